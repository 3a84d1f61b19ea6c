//! The registry's messages in Chinese, for the people who read them (import row errors;
//! problem details when a client asks for `zh`). Messages that carry a value are matched
//! by their fixed start; one not listed is shown as it is.

/// Messages matched whole.
const EXACT: &[(&str, &str)] = &[
    (
        "must be 1 to 200 characters, not blank",
        "须为 1 到 200 个字符，不能为空白",
    ),
    ("must be at most 10000 characters", "最多 10000 个字符"),
    (
        "must not contain control, zero-width or bidirectional formatting characters",
        "不能含有控制字符、零宽字符或双向文本格式字符",
    ),
    ("must be at most 200 characters", "最多 200 个字符"),
    (
        "must be a year from 1900 to 2100",
        "年份须在 1900 到 2100 之间",
    ),
    ("must not be before start_year", "结束年份不能早于开始年份"),
    (
        "must be a 24-character national project code YYYY-RRRRRR-DD-TT-NNNNNC",
        "须为 24 位全国投资项目代码，格式为 YYYY-RRRRRR-DD-TT-NNNNNC",
    ),
    ("no organization has this id", "单位不存在"),
    ("the organization is deactivated", "该单位已停用"),
    ("cannot be removed", "不能清空"),
    (
        "must be 1 to 64 letters, digits or '-'",
        "须为 1 到 64 个字母、数字或“-”",
    ),
    (
        "a department registers only projects it leads",
        "部门只能登记本部门牵头的项目",
    ),
    (
        "a platform company registers only projects it implements",
        "平台公司只能登记本公司实施的项目",
    ),
    (
        "this role does not register projects",
        "当前角色不能登记项目",
    ),
    (
        "this role does not register or change projects",
        "当前角色不能登记或修改项目",
    ),
    ("this role does not change projects", "当前角色不能修改项目"),
    (
        "only the project's lead department or implementing organization may change it",
        "只有项目的牵头部门或实施单位可以修改该项目",
    ),
    (
        "a completed or withdrawn project is changed only by the plan office",
        "已建成或已退出的项目只能由规划办公室修改",
    ),
    ("must be from 0 to 100", "须为 0 到 100 的整数"),
    (
        "must be 1 to 10000 characters, not blank",
        "须为 1 到 10000 个字符，不能为空白",
    ),
    (
        "an API key may only read projects, plans and summaries",
        "API 密钥只能读取项目、规划和汇总",
    ),
    (
        "only the plan office may do this",
        "只有规划办公室可以执行此操作",
    ),
    (
        "the project changed since the version in If-Match; read it again and retry",
        "项目已被他人修改，请重新读取后再试",
    ),
];

/// Messages matched by their start (the rest carries a value).
const PREFIXES: &[(&str, &str)] = &[
    (
        "the funding sources add up to ",
        "各资金来源之和超过了总投资",
    ),
    ("this role may not change ", "当前角色不能修改此字段"),
    ("no plan has the code ", "规划不存在"),
    ("the plan has no category ", "该规划没有这个类别"),
    ("no organization has the id ", "单位不存在"),
    (
        "progress is reported for projects in preparation or construction",
        "只有前期或在建的项目可以填报进度",
    ),
    (
        "a project cannot move from ",
        "项目不能在这两个状态之间变更",
    ),
];

/// `message` in Chinese, as well as the registry knows it.
pub fn zh(message: &str) -> String {
    if let Some((_, zh)) = EXACT.iter().find(|(en, _)| *en == message) {
        return (*zh).to_owned();
    }
    if let Some((_, zh)) = PREFIXES.iter().find(|(en, _)| message.starts_with(en)) {
        return (*zh).to_owned();
    }
    if message.ends_with(" is reported already") {
        return "该期间已经填报过".to_owned();
    }
    if message.starts_with("a ") && message.contains(" cannot be the ") {
        return "这类单位不能担任该角色".to_owned();
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_messages_read_in_chinese_and_others_pass_through() {
        assert_eq!(zh("cannot be removed"), "不能清空");
        assert_eq!(
            zh("the funding sources add up to 5.00, more than the total 4.00"),
            "各资金来源之和超过了总投资"
        );
        assert_eq!(zh("2025-06 is reported already"), "该期间已经填报过");
        assert_eq!(zh("something new"), "something new");
    }
}
