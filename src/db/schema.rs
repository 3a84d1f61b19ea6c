//! One schema for both backends, in the column types diesel's `MultiConnection` carries.
//!
//! - Ids are `Text` holding the canonical hyphenated uuid: `MultiConnection` has no uuid type,
//!   and text compares and indexes identically on SQLite and PostgreSQL.
//! - Money is `BigInt` in fen (分): an exact integer on both backends that sorts and sums
//!   the same. diesel reads SQLite `NUMERIC` through `f64`, which loses digits, so no
//!   decimal column type is used anywhere.
//! - Times are `Timestamp` in UTC (`MultiConnection` has no timestamptz).

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
        active -> Bool,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        code -> Text,
        code_prefix -> Text,
        title -> Text,
        region -> Text,
        start_year -> Integer,
        end_year -> Integer,
        base_year -> Nullable<Integer>,
        planned_project_count -> Integer,
        planned_investment_fen -> BigInt,
        created_at -> Timestamp,
        reserve_validity_years -> Integer,
    }
}

diesel::table! {
    categories (id) {
        id -> Text,
        plan_id -> Text,
        code -> Text,
        abbreviation -> Text,
        name_zh -> Text,
        planned_count -> Integer,
        position -> Integer,
        last_seq -> Integer,
    }
}

diesel::table! {
    projects (id) {
        id -> Text,
        plan_id -> Text,
        category_id -> Text,
        code -> Text,
        name -> Text,
        description -> Text,
        location -> Nullable<Text>,
        scale -> Nullable<Text>,
        lead_department_id -> Nullable<Text>,
        implementing_org_id -> Nullable<Text>,
        status -> Text,
        start_year -> Nullable<Integer>,
        end_year -> Nullable<Integer>,
        total_fen -> Nullable<BigInt>,
        central_fen -> Nullable<BigInt>,
        municipal_fen -> Nullable<BigInt>,
        county_fen -> Nullable<BigInt>,
        special_bonds_fen -> Nullable<BigInt>,
        social_capital_fen -> Nullable<BigInt>,
        financial_fen -> Nullable<BigInt>,
        other_fen -> Nullable<BigInt>,
        completed_investment_fen -> BigInt,
        progress_pct -> Integer,
        national_code -> Nullable<Text>,
        source_ref -> Nullable<Text>,
        seed_key -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reserve_since -> Nullable<Date>,
        reserve_expires -> Nullable<Date>,
        withdrawal_reason -> Nullable<Text>,
    }
}

diesel::table! {
    project_years (project_id, year) {
        project_id -> Text,
        year -> Integer,
        planned_fen -> Nullable<BigInt>,
        completed_fen -> BigInt,
    }
}

diesel::table! {
    adjustments (id) {
        id -> Text,
        project_id -> Text,
        changes -> Text,
        base -> Text,
        reason -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_note -> Nullable<Text>,
    }
}

diesel::table! {
    project_transitions (id) {
        id -> Text,
        project_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        note -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        organization_id -> Text,
        active -> Bool,
        token_version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        key_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (subject) {
        subject -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    console_sessions (id) {
        id -> Text,
        user_id -> Text,
        token_version -> Integer,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    login_known_clients (subject) {
        subject -> Text,
        last_success_at -> Timestamp,
    }
}

diesel::table! {
    audit_entries (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        actor_kind -> Text,
        actor_role -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        cause -> Nullable<Text>,
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    audit_chain_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
        legacy_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    progress_reports (id) {
        id -> Text,
        project_id -> Text,
        period -> Text,
        investment_completed_fen -> BigInt,
        physical_progress -> Integer,
        summary -> Text,
        issues -> Text,
        status -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_comment -> Nullable<Text>,
    }
}

diesel::joinable!(categories -> plans (plan_id));
diesel::joinable!(progress_reports -> projects (project_id));
diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(api_keys -> users (created_by));
diesel::joinable!(projects -> plans (plan_id));
diesel::joinable!(projects -> categories (category_id));
diesel::joinable!(project_transitions -> projects (project_id));
diesel::joinable!(project_years -> projects (project_id));
diesel::joinable!(adjustments -> projects (project_id));

diesel::table! {
    imports (id) {
        id -> Text,
        plan_id -> Text,
        user_id -> Nullable<Text>,
        file_name -> Text,
        sha256 -> Text,
        dry_run -> Bool,
        created -> Integer,
        updated -> Integer,
        unchanged -> Integer,
        errors -> Integer,
        reports -> Integer,
        created_at -> Timestamp,
    }
}

diesel::joinable!(imports -> plans (plan_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    plans,
    categories,
    projects,
    project_transitions,
    project_years,
    adjustments,
    users,
    api_keys,
    login_failures,
    login_known_clients,
    console_sessions,
    audit_chain_head,
    audit_entries,
    progress_reports,
    imports,
);
