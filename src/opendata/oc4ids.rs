//! The Open Contracting for Infrastructure Data Standard (OC4IDS) 0.9.5: a plan's projects
//! as a project package. Every field comes from what the registry holds; a field it does
//! not know is left out (docs/OC4IDS.md has the mapping and the reasons).
//!
//! The package is written in pieces ([`package_head`], [`projects`], [`PACKAGE_TAIL`]) so
//! that it streams a page of projects at a time.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::domain::{
    Money, OrganizationId, ProjectStatus, funding::FundingSource, project::Project,
};

/// The schema version the package declares (`major.minor`, as the standard asks).
pub const VERSION: &str = "0.9";

/// Who publishes and how its projects are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// `publisher.name`.
    pub publisher: String,
    /// The registered OC4IDS project identifier prefix; a project's `id` is this prefix
    /// followed by its code.
    pub id_prefix: String,
    /// The address clients reach the service at (`https://…`, no path); `None`: the
    /// address a request came to.
    pub public_url: Option<String>,
}

/// DESIGN.md's status map.
pub const fn status(status: ProjectStatus) -> &'static str {
    match status {
        ProjectStatus::Reserve => "identification",
        ProjectStatus::Preparation => "preparation",
        ProjectStatus::Construction => "implementation",
        ProjectStatus::Completed => "completion",
        ProjectStatus::Withdrawn => "cancelled",
    }
}

/// The project type where the plan's verb says it: 新建 (construction), 改造 or 提升
/// (rehabilitation), 扩建 (expansion). The name decides when it names one kind; else the
/// description, when it names exactly one; otherwise none (a sentence of the plan often
/// covers several projects with several verbs).
pub fn project_type(name: &str, description: &str) -> Option<&'static str> {
    const VERBS: [(&str, &str); 4] = [
        ("新建", "construction"),
        ("改造", "rehabilitation"),
        ("提升", "rehabilitation"),
        ("扩建", "expansion"),
    ];
    let only_kind = |text: &str| {
        let mut kinds = VERBS
            .iter()
            .filter(|(verb, _)| text.contains(verb))
            .map(|(_, kind)| *kind);
        let first = kinds.next()?;
        kinds.all(|kind| kind == first).then_some(first)
    };
    let named = VERBS.iter().any(|(verb, _)| name.contains(verb));
    if named {
        only_kind(name)
    } else {
        only_kind(description)
    }
}

/// The projectSector codes of a project, from its category and the plan's sub-programme
/// (the `source_ref` 专栏N（…）) that lists it; docs/OC4IDS.md argues each line. A
/// category or sub-programme the map does not know has no sector (nothing is guessed).
pub fn sectors(category: &str, source_ref: Option<&str>, name: &str) -> Vec<&'static str> {
    let programme = source_ref.unwrap_or_default();
    let sector = match (category, programme) {
        ("low_carbon", "专栏3（一）") => {
            // Clean energy: the kind of plant is in the project's name.
            let kinds = [
                ("风电", "energy.wind"),
                ("光伏", "energy.solar"),
                ("水电", "energy.hydropower"),
                ("电站", "energy.hydropower"),
                ("抽水蓄能", "energy.hydropower"),
            ];
            let kind = kinds.iter().find(|(word, _)| name.contains(word));
            return match kind {
                Some((_, code)) => vec!["energy", code],
                None => vec!["energy"],
            };
        }
        ("low_carbon", "专栏3（二）") => "waterAndWaste",
        ("low_carbon", "专栏3（三）") => "energy",
        ("low_carbon", "专栏3（四）") => "transport.lowCarbon",
        ("ecosystem", _) => "naturalResources",
        ("pollution", "专栏5（一）" | "专栏5（五）") => "economy",
        ("pollution", "专栏5（二）" | "专栏5（四）") => "waterAndWaste",
        ("pollution", "专栏5（三）") => "naturalResources",
        ("governance", _) => "governance",
        _ => return Vec::new(),
    };
    vec![sector]
}

/// The package up to the opening of its `projects` array. `published` is when the data
/// last changed, so that the same data is the same bytes (the `ETag` is strong).
pub fn package_head(publication: &Publication, uri: &str, published: DateTime<Utc>) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Head<'a> {
        uri: &'a str,
        version: &'a str,
        published_date: String,
        publisher: Publisher<'a>,
    }
    #[derive(Serialize)]
    struct Publisher<'a> {
        name: &'a str,
    }
    let head = Head {
        uri,
        version: VERSION,
        published_date: timestamp(published),
        publisher: Publisher {
            name: &publication.publisher,
        },
    };
    let mut bytes = serde_json::to_vec(&head).expect("a package head serializes");
    bytes.pop(); // the closing brace: the projects follow
    bytes.extend_from_slice(br#","projects":["#);
    bytes
}

/// What closes the package after its last project.
pub const PACKAGE_TAIL: &[u8] = b"]}";

/// Projects as members of the package's array; `first` when none was written before.
pub fn projects(
    projects: &[Project],
    first: bool,
    publication: &Publication,
    organizations: &HashMap<OrganizationId, String>,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (index, project) in projects.iter().enumerate() {
        if !(first && index == 0) {
            bytes.push(b',');
        }
        serde_json::to_writer(
            &mut bytes,
            &Oc4idsProject::of(project, publication, organizations),
        )
        .expect("a project serializes");
    }
    bytes
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An exact amount as a JSON number (`serde_json` keeps its digits: `arbitrary_precision`).
fn value(money: Money) -> Value {
    Value {
        amount: money
            .to_string()
            .parse()
            .expect("an amount is a JSON number"),
        currency: "CNY",
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Oc4idsProject<'a> {
    id: String,
    updated: String,
    language: &'static str,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    status: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sector: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<Budget>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parties: Vec<Party<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public_authority: Option<OrganizationReference<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identifiers: Vec<Identifier<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    metrics: Vec<Metric>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
}

#[derive(Serialize)]
struct Value {
    amount: serde_json::Number,
    currency: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Budget {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    budget_breakdowns: Vec<BudgetBreakdowns>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BudgetBreakdowns {
    id: &'static str,
    description: &'static str,
    budget_breakdown: Vec<BudgetBreakdown>,
}

#[derive(Serialize)]
struct BudgetBreakdown {
    id: &'static str,
    description: &'static str,
    amount: Value,
}

#[derive(Serialize)]
struct Party<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    roles: Vec<&'static str>,
}

#[derive(Serialize)]
struct OrganizationReference<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct Location<'a> {
    id: &'static str,
    description: &'a str,
}

#[derive(Serialize)]
struct Identifier<'a> {
    id: &'a str,
    scheme: &'static str,
}

#[derive(Serialize)]
struct Metric {
    id: &'static str,
    title: &'static str,
    observations: Vec<Observation>,
}

#[derive(Serialize)]
struct Observation {
    id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measure: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<Unit>,
}

#[derive(Serialize)]
struct Unit {
    name: &'static str,
}

/// The role of the lead department (主管部门): the standard's partyRole codelist is open and
/// names no supervising department (docs/OC4IDS.md).
const LEAD_DEPARTMENT_ROLE: &str = "leadDepartment";
/// The implementing organization develops the asset: the standard's public authority.
const IMPLEMENTING_ROLE: &str = "publicAuthority";
/// The register of the national project code.
const NATIONAL_CODE_SCHEME: &str = "全国投资项目在线审批监管平台";

impl<'a> Oc4idsProject<'a> {
    fn of(
        project: &'a Project,
        publication: &Publication,
        organizations: &'a HashMap<OrganizationId, String>,
    ) -> Self {
        let name_of = |id: &OrganizationId| organizations.get(id).map(String::as_str);
        let mut parties: Vec<Party<'a>> = Vec::new();
        for (organization, role) in [
            (project.lead_department, LEAD_DEPARTMENT_ROLE),
            (project.implementing_org, IMPLEMENTING_ROLE),
        ] {
            let Some(id) = organization else { continue };
            match parties.iter_mut().find(|party| party.id == id.to_string()) {
                Some(party) => party.roles.push(role),
                None => parties.push(Party {
                    id: id.to_string(),
                    name: name_of(&id),
                    roles: vec![role],
                }),
            }
        }
        let period = (project.start_year.is_some() || project.end_year.is_some()).then(|| Period {
            start_date: project
                .start_year
                .map(|year| format!("{year:04}-01-01T00:00:00+08:00")),
            end_date: project
                .end_year
                .map(|year| format!("{year:04}-12-31T23:59:59+08:00")),
        });
        let breakdown: Vec<BudgetBreakdown> = project
            .investment
            .sources
            .iter()
            .filter_map(|(source, amount)| {
                let amount = (*amount)?;
                (amount != Money::ZERO).then(|| BudgetBreakdown {
                    id: source.code(),
                    description: FundingSource::name_zh(source),
                    amount: value(amount),
                })
            })
            .collect();
        let budget_breakdowns: Vec<BudgetBreakdowns> = if breakdown.is_empty() {
            Vec::new()
        } else {
            vec![BudgetBreakdowns {
                id: "fundingSources",
                description: "资金来源（已落实）",
                budget_breakdown: breakdown,
            }]
        };
        let budget =
            (project.investment.total.is_some() || !budget_breakdowns.is_empty()).then(|| Budget {
                amount: project.investment.total.map(value),
                budget_breakdowns,
            });
        let mut metrics = Vec::new();
        if project.completed_investment != Money::ZERO {
            metrics.push(Metric {
                id: "financialProgress",
                title: "累计完成投资（已审核的进度报告）",
                observations: vec![Observation {
                    id: "completedInvestment",
                    value: Some(value(project.completed_investment)),
                    measure: None,
                    unit: None,
                }],
            });
        }
        if project.progress_pct > 0 {
            metrics.push(Metric {
                id: "physicalProgress",
                title: "形象进度",
                observations: vec![Observation {
                    id: "progressPercent",
                    value: None,
                    measure: Some(project.progress_pct),
                    unit: Some(Unit { name: "percent" }),
                }],
            });
        }
        Self {
            id: format!("{}{}", publication.id_prefix, project.code),
            updated: timestamp(project.updated_at),
            language: "zh",
            title: &project.name,
            description: Some(project.description.as_str()).filter(|text| !text.trim().is_empty()),
            status: status(project.status),
            kind: project_type(&project.name, &project.description),
            sector: sectors(
                &project.category,
                project.source_ref.as_deref(),
                &project.name,
            ),
            period,
            budget,
            public_authority: project.implementing_org.map(|id| OrganizationReference {
                id: id.to_string(),
                name: name_of(&id),
            }),
            parties,
            locations: project
                .location
                .as_deref()
                .filter(|place| !place.trim().is_empty())
                .map(|description| Location {
                    id: "1",
                    description,
                })
                .into_iter()
                .collect(),
            identifiers: project
                .national_code
                .as_deref()
                .map(|id| Identifier {
                    id,
                    scheme: NATIONAL_CODE_SCHEME,
                })
                .into_iter()
                .collect(),
            metrics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_follows_the_plans_verb_and_only_one() {
        assert_eq!(
            project_type("红狮镇白蜡槽一级水电站扩建工程", ""),
            Some("expansion")
        );
        assert_eq!(
            project_type(
                "双土风电项目",
                "新建双土风电项目（50MW）、洞鹿风电项目（200MW）。"
            ),
            Some("construction")
        );
        assert_eq!(
            project_type("老旧管网改造", "新建泵站"),
            Some("rehabilitation")
        );
        assert_eq!(project_type("城区污水", "新建泵站，改造管网"), None);
        assert_eq!(project_type("生态环境监测", "开展监测"), None);
    }

    #[test]
    fn sectors_follow_the_sub_programme_and_unknown_ones_have_none() {
        assert_eq!(
            sectors("low_carbon", Some("专栏3（一）"), "洞鹿风电项目"),
            ["energy", "energy.wind"]
        );
        assert_eq!(
            sectors("pollution", Some("专栏5（二）"), "澎溪河流域综合治理"),
            ["waterAndWaste"]
        );
        assert!(sectors("pollution", None, "某项目").is_empty());
        assert!(sectors("bench_category", Some("synthetic"), "合成").is_empty());
    }

    /// The codes of a codelist of the standard (first column, header skipped).
    fn codelist(csv: &str) -> Vec<&str> {
        csv.lines()
            .skip(1)
            .filter_map(|line| line.split(',').next())
            .collect()
    }

    #[test]
    fn every_code_written_is_in_the_standards_codelists() {
        let sectors_allowed = codelist(include_str!(
            "../../standards/oc4ids-0.9.5/codelists/projectSector.csv"
        ));
        let programmes = ["一", "二", "三", "四", "五", "六"].map(|n| format!("专栏{{}}（{n}）"));
        let names = ["风电", "光伏", "水电", "电站", "抽水蓄能", "天然气"];
        for category in ["ecosystem", "low_carbon", "pollution", "risk", "governance"] {
            for column in 3..=6 {
                for programme in &programmes {
                    let programme = programme.replace("{}", &column.to_string());
                    for name in names {
                        for code in sectors(category, Some(&programme), name) {
                            assert!(sectors_allowed.contains(&code), "{code}");
                        }
                    }
                }
            }
        }
        let types = codelist(include_str!(
            "../../standards/oc4ids-0.9.5/codelists/projectType.csv"
        ));
        for name in ["新建", "改造", "提升", "扩建"] {
            assert!(types.contains(&project_type(name, "").unwrap()), "{name}");
        }
        let statuses = codelist(include_str!(
            "../../standards/oc4ids-0.9.5/codelists/projectStatus.csv"
        ));
        for project_status in ProjectStatus::ALL {
            assert!(statuses.contains(&status(project_status)));
        }
        let metrics = codelist(include_str!(
            "../../standards/oc4ids-0.9.5/codelists/metricID.csv"
        ));
        assert!(metrics.contains(&"financialProgress") && metrics.contains(&"physicalProgress"));
        let roles = codelist(include_str!(
            "../../standards/oc4ids-0.9.5/codelists/partyRole.csv"
        ));
        assert!(roles.contains(&IMPLEMENTING_ROLE));
        assert!(
            !roles.contains(&LEAD_DEPARTMENT_ROLE),
            "the codelist gained a role for the lead department: use it"
        );
    }

    #[test]
    fn the_head_opens_the_projects_array() {
        let publication = Publication {
            publisher: "云阳县".into(),
            id_prefix: "oc4ids-x-".into(),
            public_url: None,
        };
        let at = DateTime::parse_from_rfc3339("2025-06-01T08:00:00Z")
            .unwrap()
            .to_utc();
        let mut bytes = package_head(&publication, "https://example.org/p", at);
        bytes.extend_from_slice(PACKAGE_TAIL);
        let package: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(package["version"], "0.9");
        assert_eq!(package["publishedDate"], "2025-06-01T08:00:00.000000Z");
        assert_eq!(package["projects"], serde_json::json!([]));
    }
}
