//! The registry's messages in Chinese, for the people who read them (import row errors;
//! problem details when a client asks for `zh`). Messages that carry a value are matched
//! by their fixed start; one not listed is shown as it is. The English messages stay the
//! source: they are what the code says and the tests assert; this table follows them.

/// Messages matched whole.
const EXACT: &[(&str, &str)] = &[
    (
        "expired is given by the reserve sweep alone",
        "“储备期满”只能由储备清理自动给出",
    ),
    (
        "only a withdrawal takes a reason",
        "只有退出时才填写退出原因",
    ),
    (
        "must change at least one of location, scale, description, end_year, investment.total",
        "须至少调整地点、规模、建设内容、完工年份或计划总投资中的一项",
    ),
    ("changes nothing", "申请的调整与现状相同"),
    ("must not be blank", "不能为空白"),
    ("must be at most 2000 characters", "最多 2000 个字符"),
    (
        "must be a whole number of days from 0 to 3650",
        "须为 0 到 3650 的整数天数",
    ),
    (
        "must be a whole number of years from 1 to 20",
        "须为 1 到 20 的整数年",
    ),
    (
        "must be pending, approved or rejected",
        "须为 pending、approved 或 rejected",
    ),
    (
        "the request was decided meanwhile",
        "该调整申请已被他人审批",
    ),
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
    (
        "valid credentials are required: Authorization: Bearer <token or API key>",
        "请先登录（或提供有效的令牌、接口密钥）",
    ),
    (
        "If-Match with the project's ETag is required for this write",
        "修改项目须带上其版本（If-Match）",
    ),
    ("the request has invalid fields", "有字段填写不正确"),
    (
        "the import has rows with errors; nothing was written",
        "导入的文件有错误行，未写入任何数据",
    ),
    (
        "the database is unavailable; try again shortly",
        "数据库暂时不可用，请稍后再试",
    ),
    (
        "an unexpected error occurred; it has been logged",
        "发生了意外错误，已记录日志",
    ),
    ("no such resource", "没有这个资源"),
    ("is required", "必填"),
    ("is read-only", "只读，不能修改"),
    ("must not be empty", "不能为空"),
    ("must be a whole number", "须为整数"),
    (
        "must be a whole number from 1 to 200",
        "须为 1 到 200 的整数",
    ),
    (
        "must be a month YYYY-MM, e.g. 2025-06",
        "月份格式须为 YYYY-MM，例如 2025-06",
    ),
    ("must have at most two decimal places", "最多两位小数"),
    (
        "must have at most 15 digits before the decimal point",
        "整数部分最多 15 位",
    ),
    ("must be at least 12 characters", "至少 12 个字符"),
    ("must be at most 256 characters", "最多 256 个字符"),
    (
        "is one of the most common passwords; choose another",
        "这是最常见的密码之一，请换一个",
    ),
    ("is not your current password", "当前密码不正确"),
    (
        "must be 3 to 64 characters: lower-case letters, digits, '.', '_' or '-'",
        "须为 3 到 64 个字符：小写字母、数字、“.”、“_”或“-”",
    ),
    ("is not a field of this request", "不是此请求的字段"),
    ("is not a parameter of this list", "不是此列表的参数"),
    ("must be true or false", "须为 true 或 false"),
    ("the body is invalid", "请求内容无效"),
    ("must be a JSON object", "须为 JSON 对象"),
    (
        "must not contain the NUL character (U+0000)",
        "不能含有 NUL 字符（U+0000）",
    ),
    (
        "nobody reviews a report they submitted",
        "不能审核自己提交的报告",
    ),
    (
        "only finance or the plan office reviews reports",
        "只有财政部门或规划办公室可以审核报告",
    ),
    (
        "only a returned report is corrected",
        "只有已退回的报告可以更正",
    ),
    ("the report changed meanwhile", "报告已被他人处理，请刷新"),
    (
        "only the plan office and finance read the audit trail",
        "只有规划办公室和财政部门可以查看审计记录",
    ),
    (
        "only the plan office re-enters a withdrawn project or corrects a status",
        "只有规划办公室可以让退出的项目重新入库或更正状态",
    ),
    (
        "a project leaves reserve only with a lead department",
        "项目须先指定牵头部门才能离开储备状态",
    ),
    (
        "the lifecycle has no such move",
        "生命周期中没有这种状态变更",
    ),
    (
        "the planned total investment must be set first",
        "须先填写计划总投资",
    ),
    (
        "construction needs a start year",
        "转为在建须先填写开工年份",
    ),
    ("completion needs an end year", "转为建成须先填写完工年份"),
    (
        "completion needs accepted progress reports with completed investment above zero",
        "转为建成须有已通过的进度报告且累计完成投资大于零",
    ),
    (
        "this move needs a note saying why",
        "这次状态变更须填写说明",
    ),
    (
        "a plan office user cannot deactivate or demote itself",
        "规划办公室用户不能停用或降级自己",
    ),
    (
        "the console's CSRF token (X-CSRF-Token) is missing or wrong",
        "页面已过期，请刷新后重试",
    ),
    ("this needs a signed-in user", "需要以用户身份登录"),
    (
        "the caller may not make this move",
        "当前用户不能进行这次状态变更",
    ),
];

/// Messages matched by their start (the rest carries a value).
const PREFIXES: &[(&str, &str)] = &[
    ("the years add up to ", "各年度计划投资之和超过了总投资"),
    ("the year ", "同一年份不能重复填写"),
    ("only a reserve project is renewed", "只有储备项目可以续期"),
    ("must not be earlier than today", "不能早于今天"),
    (
        "unknown reason ",
        "退出原因须为 merged、cancelled_by_owner、funding_unavailable 或 other",
    ),
    ("the request is already ", "该调整申请已审批"),
    (
        "the project's ",
        "项目的相关字段在申请后已被修改，请重新审核",
    ),
    ("no adjustment request has the id", "调整申请不存在"),
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
    (
        "too many failed attempts; try again in ",
        "失败次数过多，请稍后再试",
    ),
    (
        "the service is busy checking passwords; try again in ",
        "服务繁忙，请稍后再试",
    ),
    ("no project has the id ", "项目不存在"),
    ("no report has the id ", "报告不存在"),
    ("no user has the id ", "用户不存在"),
    ("no import has the id ", "导入记录不存在"),
    ("no active API key has the id ", "接口密钥不存在或已吊销"),
    (
        "the method is not allowed on this resource",
        "该资源不支持此方法",
    ),
    ("the request body is larger than ", "请求内容过大"),
    (
        "the request body did not arrive in time",
        "请求内容未能按时到达",
    ),
    ("the body is not valid JSON", "请求内容不是有效的 JSON"),
    (
        "must be an amount in yuan such as ",
        "须为以元为单位的金额，例如 1500000.00",
    ),
];

/// The title of a problem type (the last part of its `type`), in Chinese.
pub fn title_zh(code: &str) -> Option<&'static str> {
    Some(match code {
        "malformed-request" => "请求格式错误",
        "method-not-allowed" => "不支持该方法",
        "payload-too-large" => "请求内容过大",
        "unsupported-media-type" => "不支持的内容类型",
        "request-timeout" => "请求超时",
        "unauthorized" => "未登录",
        "forbidden" => "没有权限",
        "not-found" => "不存在",
        "conflict" => "冲突",
        "precondition-failed" => "版本已过期",
        "precondition-required" => "缺少版本信息",
        "validation" => "输入有误",
        "too-many-requests" => "尝试次数过多",
        "import-rejected" => "导入被拒绝",
        "busy" => "服务繁忙",
        "database-unavailable" => "服务暂不可用",
        "internal" => "服务器内部错误",
        _ => return None,
    })
}

/// `message` in Chinese, as well as the registry knows it.
pub fn zh(message: &str) -> String {
    if let Some((_, zh)) = EXACT.iter().find(|(en, _)| *en == message) {
        return (*zh).to_owned();
    }
    if let Some((_, zh)) = PREFIXES.iter().find(|(en, _)| message.starts_with(en)) {
        return (*zh).to_owned();
    }
    if message.contains(" an adjustment request pending ") {
        return "该字段有待审批的调整申请，须先由规划办公室审批".to_owned();
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
        assert_eq!(
            zh("scale has an adjustment request pending (x): the plan office decides it first"),
            "该字段有待审批的调整申请，须先由规划办公室审批"
        );
        assert_eq!(
            zh("the years add up to 5.00, more than the total 4.00"),
            "各年度计划投资之和超过了总投资"
        );
        assert_eq!(zh("something new"), "something new");
    }

    /// An unmet precondition of a move is explained in Chinese (the console shows it).
    #[test]
    fn every_lifecycle_precondition_reads_in_chinese() {
        use crate::domain::{
            ProjectStatus::*,
            lifecycle::{self, Facts, Move},
        };
        let moves = [
            (Reserve, Preparation, Move::Forward),
            (Preparation, Construction, Move::Forward),
            (Construction, Completed, Move::Forward),
            (Construction, Withdrawn, Move::Withdrawal),
        ];
        for (from, to, kind) in moves {
            for error in lifecycle::missing(from, to, kind, Facts::default(), None) {
                assert_ne!(zh(&error.message), error.message);
            }
        }
    }
}
