// The console: one page that calls /api/v1 with the session cookie, as any client would.
// Every string from the server is put into the page as text (textContent, attributes set one
// by one), never parsed as HTML: a project named "<script>" shows as those characters.
// Amounts are decimal strings from the API and are formatted as strings: no float ever
// holds money here (charts draw with numbers; their labels and the tables show the strings).
'use strict';

const STATUS = { reserve: '储备', preparation: '前期', construction: '在建', completed: '建成', withdrawn: '退出' };
const STATUS_ORDER = ['reserve', 'preparation', 'construction', 'completed'];
const ROLE = { plan_office: '规划办', department: '主管部门', platform_company: '平台公司', finance: '财政', viewer: '只读用户' };
const ORG_KIND = { department: '主管部门', platform_company: '平台公司', finance: '财政部门', plan_office: '规划办' };
const SOURCE = {
  central: '中央资金', municipal: '市级资金', county: '县级财政', special_bonds: '地方政府专项债券',
  social_capital: '社会资本', financial: '金融机构', other: '其他',
};
const REPORT_STATUS = { submitted: '待审核', accepted: '已通过', returned: '已退回' };
const ADJUSTMENT_STATUS = { pending: '待审批', approved: '已批准', rejected: '已驳回' };
const WITHDRAWAL_REASON = {
  expired: '储备期满', merged: '合并', cancelled_by_owner: '业主取消', funding_unavailable: '资金无法落实', other: '其他',
};
const ACTION = {
  'project.create': '登记项目', 'project.update': '修改项目', 'project.transition': '变更状态',
  'project.figures': '更新完成投资与进度', 'report.create': '提交报告', 'report.update': '更正报告',
  'report.review': '审核报告', 'project.adjust': '按调整申请修改', 'project.renew': '续期',
  'project.expire': '储备期满退出', 'adjustment.request': '申请调整', 'adjustment.review': '审批调整',
};
const SORTS = { code: '编号', name: '名称', '-updated_at': '最近更新', '-total_investment': '总投资（高→低）' };
const FIELD = {
  name: '项目名称', description: '建设内容', location: '建设地点', scale: '建设规模', start_year: '开工年份',
  end_year: '完工年份', national_code: '全国投资项目代码', 'investment.total': '计划总投资（元）',
  lead_department: '牵头部门', implementing_org: '实施单位', code: '项目编号', category: '类别', status: '状态',
  period: '月份', investment_completed: '本期完成投资（元）', physical_progress: '形象进度（%）', summary: '进展情况',
  issues: '存在问题', note: '说明', comment: '审核意见', username: '用户名', password: '密码', role: '角色',
  organization_id: '所属单位', display_name: '姓名', kind: '单位类型', current_password: '当前密码',
  new_password: '新密码', to: '目标状态', investment_by_year: '分年度计划投资', reason: '理由',
  changes: '调整内容', reserve_since: '入库日期', reserve_expires: '储备到期', withdrawal_reason: '退出原因',
};
for (const [key, label] of Object.entries(SOURCE)) FIELD[`investment.${key}`] = `${label}（元）`;
// What an adjustment request may change (a merge patch of these, `investment` as `{total}`).
const ADJUSTABLE = ['location', 'scale', 'description', 'end_year', 'investment.total'];
for (const field of ADJUSTABLE) FIELD[`changes.${field}`] = FIELD[field];

// `nextFlash`: a message for the page the next navigation shows.
const state = { user: null, csrf: null, plans: [], plan: null, summary: null, nextFlash: null, navigations: 0 };

// ---- DOM -------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'value') element.value = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const main = () => document.getElementById('main');

function show(...content) {
  const target = main();
  target.replaceChildren(...content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  target.focus();
}

function flash(message, bad) {
  const target = document.getElementById('flash');
  target.className = bad ? 'bad' : '';
  target.textContent = message || '';
}

// ---- Formatting (exact) ---------------------------------------------------------------

function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An amount string in yuan, exactly, scaled down by 10^places (4: 万, 8: 亿). */
function scaled(amount, places) {
  const [whole, fraction = ''] = amount.split('.');
  const fen = ((whole + (fraction + '00').slice(0, 2)).replace(/^0+/, '') || '0');
  const shift = places + 2;
  const padded = fen.padStart(shift + 1, '0');
  const integer = padded.slice(0, -shift).replace(/^0+(?=\d)/, '');
  const decimals = padded.slice(-shift).replace(/0+$/, '');
  return group(integer) + (decimals ? '.' + decimals : '');
}

const yuan = (amount) => (amount == null ? '—' : `${group(amount.split('.')[0])}.${(amount.split('.')[1] || '00').padEnd(2, '0')} 元`);
const wan = (amount) => (amount == null ? '—' : `${scaled(amount, 4)} 万元`);
const yi = (amount) => (amount == null ? '—' : `${scaled(amount, 8)} 亿元`);
/** For drawing only: a chart's bar length in 万元. */
const drawn = (amount) => Number(amount || '0') / 10000;

function month(period) {
  const [year, m] = (period || '').split('-');
  return year ? `${year}年${Number(m)}月` : '—';
}

/** A calendar date `YYYY-MM-DD` as written (no time zone can shift it). */
function day(date) {
  const [year, m, d] = (date || '').split('-');
  return d ? `${year}年${Number(m)}月${Number(d)}日` : '—';
}

/** The sum of amount strings, exactly (in fen, as BigInt); `null` when none is set. */
function sum(amounts) {
  const set = amounts.filter((a) => a != null);
  if (!set.length) return null;
  const fen = set.reduce((total, amount) => {
    const [whole, fraction = ''] = amount.split('.');
    return total + BigInt(whole + (fraction + '00').slice(0, 2));
  }, 0n);
  const text = fen.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** This year, the year whose `planned` is 本年计划投资. */
const thisYear = () => new Date().getFullYear();

function when(timestamp) {
  if (!timestamp) return '—';
  const t = new Date(timestamp);
  const two = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}年${t.getMonth() + 1}月${t.getDate()}日 ${two(t.getHours())}:${two(t.getMinutes())}`;
}

// ---- The API ---------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `请求失败（HTTP ${status}）`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, body, options = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': 'zh-CN,zh;q=0.9' };
  if (method !== 'GET') headers['X-CSRF-Token'] = state.csrf || '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (_) { data = null; }
  }
  if (response.status === 401 && !options.signingIn) {
    state.user = null;
    loginPage('登录已失效，请重新登录。');
    throw new ApiError(401, data);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get('ETag') };
}

const get = async (path) => (await api('GET', path)).data;

/** Shows a problem: field errors beside their inputs in `form`, the rest in the banner. */
function showProblem(error, form) {
  if (!(error instanceof ApiError)) {
    flash(`出错了：${error.message}`, true);
    return;
  }
  if (error.status === 401) return;
  const fields = error.problem.errors || [];
  let placed = 0;
  if (form) {
    for (const old of form.querySelectorAll('.error')) old.remove();
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    for (const { field, message } of fields) {
      const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
      if (!input) continue;
      input.setAttribute('aria-invalid', 'true');
      const note = h('span', { class: 'error', id: `error-${field}` }, message);
      input.setAttribute('aria-describedby', note.id);
      input.closest('label').append(note);
      placed += 1;
    }
  }
  const unplaced = fields.filter((f) => !form || !form.querySelector(`[name="${CSS.escape(f.field)}"]`));
  const extra = unplaced.map((f) => `${FIELD[f.field] || f.field}：${f.message}`).join('；');
  const title = error.status === 403 ? '没有权限' : error.status === 409 ? '冲突' : error.status === 429 ? '尝试过多' : '未能完成';
  flash(`${title}：${error.problem.detail || error.message}${extra ? `（${extra}）` : ''}`, true);
  return placed;
}

// ---- Session ---------------------------------------------------------------------------

function loginPage(message) {
  renderChrome();
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      const session = (await api('POST', '/console/session', {
        username: data.get('username'), password: data.get('password'),
      }, { signingIn: true })).data;
      state.user = session.user;
      state.csrf = session.csrf_token;
      flash('');
      await start();
    } catch (error) {
      if (error.status === 401) flash('用户名或密码不正确。', true);
      else showProblem(error, form);
    }
  } },
  h('label', {}, '用户名', h('input', { name: 'username', autocomplete: 'username', required: true })),
  h('label', {}, '密码', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
  h('button', { type: 'submit' }, '登录'));
  show(h('section', { class: 'login card' }, h('h1', {}, '登录项目储备库'), form));
  if (message) flash(message, true);
  form.querySelector('input').focus();
}

async function signOut() {
  try { await api('DELETE', '/console/session'); } catch (_) { /* signed out either way */ }
  state.user = null;
  state.csrf = null;
  loginPage();
  flash('已退出登录。');
}

const can = {
  edit(project) {
    const user = state.user;
    if (!user) return false;
    if (user.role === 'plan_office') return true;
    if (project.status === 'completed' || project.status === 'withdrawn') return false;
    if (user.role === 'department') return project.lead_department === user.organization_id;
    if (user.role === 'platform_company') return project.implementing_org === user.organization_id;
    return false;
  },
  report(project) {
    return this.edit(project) && state.user.role !== 'plan_office'
      && (project.status === 'preparation' || project.status === 'construction');
  },
  review(report) {
    return ['finance', 'plan_office'].includes(state.user.role)
      && report.status === 'submitted' && report.submitted_by !== state.user.id;
  },
  register() { return ['department', 'platform_company', 'plan_office'].includes(state.user.role); },
  audit() { return ['finance', 'plan_office'].includes(state.user.role); },
  reviewQueue() { return ['finance', 'plan_office'].includes(state.user.role); },
  reviewAdjustments() { return state.user.role === 'plan_office'; },
  renew(project) { return state.user.role === 'plan_office' && project.status === 'reserve'; },
  administer() { return state.user.role === 'plan_office'; },
};

/** The moves offered on a project: those the lifecycle opens to this user. */
function moves(project) {
  if (!can.edit(project)) return [];
  const forward = {
    reserve: ['preparation', 'withdrawn'], preparation: ['construction', 'withdrawn'],
    construction: ['completed', 'withdrawn'], completed: [], withdrawn: [],
  }[project.status];
  if (state.user.role !== 'plan_office') return forward;
  const back = project.status === 'withdrawn' ? ['reserve']
    : STATUS_ORDER.slice(0, Math.max(0, STATUS_ORDER.indexOf(project.status)));
  return [...forward, ...back.filter((s) => !forward.includes(s))];
}

// ---- Chrome and routing ----------------------------------------------------------------

function renderChrome() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!state.user) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  const links = [['#/', '总览'], ['#/projects', '项目库']];
  if (can.reviewQueue()) links.push(['#/reviews', '待审核报告']);
  if (can.reviewAdjustments()) links.push(['#/adjustments', '调整审批']);
  if (can.administer()) links.push(['#/users', '用户'], ['#/organizations', '单位'], ['#/api-keys', '接口密钥']);
  links.push(['#/password', '修改密码']);
  const current = location.hash.split('?')[0] || '#/';
  nav.replaceChildren(...links.map(([href, label]) => h('a', { href, 'aria-current': current === href ? 'page' : null }, label)));
  who.replaceChildren(
    h('span', {}, `${state.user.display_name || state.user.username}（${ROLE[state.user.role]}）`),
    h('button', { type: 'button', onclick: signOut }, '退出'),
  );
}

const ROUTES = [
  [/^#?\/?$/, dashboard],
  [/^#\/projects$/, projectList],
  [/^#\/projects\/new$/, newProjectPage],
  [/^#\/projects\/([0-9a-f-]{36})$/, projectPage],
  [/^#\/reviews$/, reviewQueuePage],
  [/^#\/adjustments$/, adjustmentQueuePage],
  [/^#\/users$/, usersPage],
  [/^#\/organizations$/, organizationsPage],
  [/^#\/api-keys$/, apiKeysPage],
  [/^#\/password$/, passwordPage],
];

async function route() {
  if (!state.user) return;
  renderChrome();
  const [path, query = ''] = location.hash.split('?');
  for (const [pattern, page] of ROUTES) {
    const match = path.match(pattern);
    if (match) {
      try {
        const started = performance.now();
        // A page shows only while it is the latest navigation: a slow page finishing after
        // the user moved on must not cover the newer one.
        const serial = ++state.navigations;
        const view = (...content) => {
          if (serial !== state.navigations) return false;
          show(...content);
          return true;
        };
        await page(view, new URLSearchParams(query), ...match.slice(1));
        // Read by the benchmark (bench/console.sh): how long each page took to show.
        performance.measure(`page ${path || '#/'}`, { start: started });
      } catch (error) {
        showProblem(error);
      }
      return;
    }
  }
  show(h('h1', {}, '没有这个页面'), h('a', { href: '#/' }, '回到总览'));
}

async function start() {
  try {
    state.plans = await get('/api/v1/plans');
    const chosen = sessionStorage.getItem('plan');
    state.plan = state.plans.find((p) => p.code === chosen) || state.plans[0];
  } catch (error) {
    showProblem(error);
    return;
  }
  renderChrome();
  await route();
}

window.addEventListener('hashchange', () => {
  flash(state.nextFlash || '');
  state.nextFlash = null;
  route();
});
window.addEventListener('DOMContentLoaded', async () => {
  try {
    const session = (await api('GET', '/console/session', undefined, { signingIn: true })).data;
    state.user = session.user;
    state.csrf = session.csrf_token;
    await start();
  } catch (_) {
    loginPage();
  }
});

// ---- Dashboard -------------------------------------------------------------------------

function figure(label, value) {
  return h('div', { class: 'figure' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

/** `rowClass(i)`, if given, names a class for the i-th row. */
function table(headings, rows, rowClass) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headings.map(([label, numeric]) => h('th', { class: numeric ? 'num' : null, scope: 'col' }, label)))),
    h('tbody', {}, rows.map((cells, r) => h('tr', { class: rowClass ? rowClass(r) : null },
      cells.map((cell, i) => h('td', { class: headings[i][1] ? 'num' : null }, cell))))));
}

/** Years with planned and completed investment: this year's row is marked 本年计划投资. */
function yearTable(years) {
  const current = thisYear();
  return table([['年度'], ['计划投资', true], ['完成投资', true]],
    years.map((y) => [y.year === current ? [`${y.year}年 `, h('span', { class: 'badge' }, '本年计划投资')] : `${y.year}年`,
      wan(y.planned), wan(y.completed)]),
    (r) => (years[r].year === current ? 'current-year' : null));
}

function chart(element, option, onClick) {
  if (!window.echarts) {
    element.replaceWith(h('p', { class: 'muted' }, '图表库未能加载；请看下面的表格。'));
    return;
  }
  const instance = window.echarts.init(element, null, { renderer: 'canvas' });
  instance.setOption({ animation: false, textStyle: { fontFamily: 'Noto Sans CJK SC, sans-serif' }, ...option });
  if (onClick) instance.on('click', (params) => onClick(params));
  new ResizeObserver(() => instance.resize()).observe(element);
}

async function dashboard(view) {
  const plan = state.plan;
  const summary = await get(`/api/v1/plans/${encodeURIComponent(plan.code)}/summary`);
  state.summary = summary;
  const go = (params) => { location.hash = `#/projects?${new URLSearchParams(params)}`; };
  const categoryChart = h('div', { class: 'chart', role: 'img', 'aria-label': '按类别：规划与登记项目数' });
  const statusChart = h('div', { class: 'chart', role: 'img', 'aria-label': '按状态的项目数' });
  const sourceChart = h('div', { class: 'chart', role: 'img', 'aria-label': '按资金来源的已落实资金' });
  const departmentChart = h('div', { class: 'chart', role: 'img', 'aria-label': '按牵头部门的项目数与总投资' });
  const yearChart = h('div', { class: 'chart', role: 'img', 'aria-label': '分年度计划投资与完成投资' });
  const byYear = summary.by_year || [];
  const departments = summary.by_department.map((d) => ({ ...d, label: d.name || '未指定牵头部门' }));
  const choosePlan = state.plans.length > 1 ? h('label', {}, '规划',
    h('select', { name: 'plan', onchange: (event) => {
      state.plan = state.plans.find((p) => p.code === event.target.value);
      sessionStorage.setItem('plan', state.plan.code);
      state.summary = null;
      organizationCache = null;
      route();
    } }, state.plans.map((p) => h('option', { value: p.code, selected: p.code === plan.code }, p.title)))) : null;
  const shown = view(
    choosePlan,
    h('h1', {}, plan.title),
    h('div', { class: 'figures' },
      figure('规划项目', `${summary.plan.planned_project_count} 个`),
      figure('已登记项目', `${summary.registered.projects} 个`),
      figure('规划总投资', yi(summary.plan.planned_investment)),
      figure('已登记计划总投资', yi(summary.registered.total)),
      figure('已落实资金', wan(summary.registered.secured)),
      figure('资金缺口', wan(summary.registered.gap)),
      figure('累计完成投资', wan(summary.registered.completed))),
    h('div', { class: 'grid' },
      h('section', { class: 'card' }, h('h2', {}, '按类别：规划与登记'), categoryChart,
        table([['类别'], ['规划项目数', true], ['已登记', true], ['计划总投资', true], ['已落实', true]],
          summary.by_category.map((c) => [
            h('a', { href: `#/projects?category=${encodeURIComponent(c.category)}` }, c.name_zh),
            c.planned_count, c.projects, wan(c.total), wan(c.secured)]))),
      h('section', { class: 'card' }, h('h2', {}, '按状态'), statusChart,
        table([['状态'], ['项目数', true], ['计划总投资', true], ['累计完成', true]],
          summary.by_status.map((s) => [
            h('a', { href: `#/projects?status=${s.status}` }, STATUS[s.status]), s.projects, wan(s.total), wan(s.completed)]))),
      h('section', { class: 'card' }, h('h2', {}, '按资金来源'), sourceChart,
        table([['资金来源'], ['金额', true]], summary.by_funding_source.map((s) => [SOURCE[s.source], wan(s.amount)]))),
      h('section', { class: 'card' }, h('h2', {}, '按牵头部门'), departmentChart,
        table([['牵头部门'], ['项目数', true], ['计划总投资', true], ['缺口', true]],
          departments.map((d) => [
            d.organization ? h('a', { href: `#/projects?lead_department=${d.organization}` }, d.label) : d.label,
            d.projects, wan(d.total), wan(d.gap)]))),
      h('section', { class: 'card' }, h('h2', {}, '分年度计划投资与完成投资'), yearChart, yearTable(byYear))),
  );
  if (!shown) return;
  chart(categoryChart, {
    tooltip: { trigger: 'axis' },
    legend: { data: ['规划', '已登记'] },
    grid: { left: 40, right: 10, bottom: 70 },
    xAxis: { type: 'category', data: summary.by_category.map((c) => c.name_zh), axisLabel: { interval: 0, rotate: 20, fontSize: 11 } },
    yAxis: { type: 'value', name: '项目数' },
    series: [
      { name: '规划', type: 'bar', data: summary.by_category.map((c) => c.planned_count) },
      { name: '已登记', type: 'bar', data: summary.by_category.map((c) => c.projects) },
    ],
  }, (p) => go({ category: summary.by_category[p.dataIndex].category }));
  chart(statusChart, {
    tooltip: { trigger: 'item', formatter: (p) => `${p.name}：${p.value} 个（${p.percent}%）` },
    series: [{ type: 'pie', radius: ['35%', '70%'], data: summary.by_status.map((s) => ({ name: STATUS[s.status], value: s.projects, status: s.status })) }],
  }, (p) => go({ status: p.data.status }));
  chart(sourceChart, {
    tooltip: { trigger: 'item', formatter: (p) => `${p.name}：${wan(p.data.exact)}` },
    grid: { left: 120, right: 20 },
    xAxis: { type: 'value', name: '万元' },
    yAxis: { type: 'category', data: summary.by_funding_source.map((s) => SOURCE[s.source]) },
    series: [{ type: 'bar', data: summary.by_funding_source.map((s) => ({ value: drawn(s.amount), exact: s.amount })) }],
  });
  chart(yearChart, {
    tooltip: { trigger: 'axis', formatter: (items) => [items[0].name, ...items.map((p) => `${p.seriesName}：${wan(p.data.exact)}`)].join('<br>') },
    legend: { data: ['计划投资', '完成投资'] },
    grid: { left: 70, right: 20 },
    xAxis: { type: 'category', data: byYear.map((y) => `${y.year}年`) },
    yAxis: { type: 'value', name: '万元' },
    series: [
      { name: '计划投资', type: 'bar', data: byYear.map((y) => ({ value: drawn(y.planned), exact: y.planned })) },
      { name: '完成投资', type: 'bar', data: byYear.map((y) => ({ value: drawn(y.completed), exact: y.completed })) },
    ],
  });
  chart(departmentChart, {
    tooltip: { trigger: 'axis' },
    legend: { data: ['储备', '前期', '在建', '建成'] },
    grid: { left: 150, right: 20 },
    xAxis: { type: 'value', name: '项目数' },
    yAxis: { type: 'category', data: departments.map((d) => d.label) },
    series: [{ name: '项目数', type: 'bar', data: departments.map((d) => d.projects) }],
  }, (p) => {
    const d = departments[p.dataIndex];
    if (d.organization) go({ lead_department: d.organization });
  });
}

// ---- Project list ----------------------------------------------------------------------

async function projectList(view, params) {
  const plan = state.plan;
  const summary = state.summary || await get(`/api/v1/plans/${encodeURIComponent(plan.code)}/summary`);
  state.summary = summary;
  const query = new URLSearchParams({ plan: plan.code, limit: '50' });
  for (const name of ['category', 'status', 'lead_department', 'year', 'expiring_within_days', 'q', 'sort', 'cursor']) {
    if (params.get(name)) query.set(name, params.get(name));
  }
  const countQuery = new URLSearchParams(query);
  for (const name of ['limit', 'cursor', 'sort']) countQuery.delete(name);
  const [page, counted] = await Promise.all([
    get(`/api/v1/projects?${query}`),
    get(`/api/v1/projects/count?${countQuery}`),
  ]);
  const select = (name, label, options) => h('label', {}, label,
    h('select', { name }, h('option', { value: '' }, '全部'),
      options.map(([value, text]) => h('option', { value, selected: params.get(name) === value }, text))));
  const form = h('form', { class: 'filters', onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) chosen.set(name, value);
    location.hash = `#/projects?${chosen}`;
  } },
  select('category', '类别', summary.by_category.map((c) => [c.category, c.name_zh])),
  select('status', '状态', Object.entries(STATUS)),
  select('lead_department', '牵头部门', summary.by_department.filter((d) => d.organization).map((d) => [d.organization, d.name])),
  select('year', '年份（建设期内）', Array.from({ length: plan.end_year - plan.start_year + 1 }, (_, i) => {
    const year = String(plan.start_year + i);
    return [year, `${year}年`];
  })),
  h('label', { class: 'check' }, h('input', { name: 'expiring_within_days', type: 'checkbox', value: '90', checked: params.get('expiring_within_days') === '90' }), '即将到期（90天内）'),
  h('label', {}, '关键词（名称、编号、地点）', h('input', { name: 'q', value: params.get('q') || '', type: 'search' })),
  h('label', {}, '排序', h('select', { name: 'sort' }, Object.entries(SORTS).map(([value, text]) => h('option', { value, selected: (params.get('sort') || 'code') === value }, text)))),
  h('button', { type: 'submit' }, '筛选'));
  const exportQuery = new URLSearchParams(query);
  exportQuery.delete('limit');
  exportQuery.delete('cursor');
  const next = new URLSearchParams(params);
  if (page.next_cursor) next.set('cursor', page.next_cursor);
  const expiring = Boolean(params.get('expiring_within_days'));
  view(
    h('h1', {}, '项目库'),
    form,
    h('div', { class: 'actions' },
      h('span', { class: 'muted' }, `共 ${counted.count} 个项目，本页 ${page.items.length} 个`),
      can.register() ? h('a', { href: '#/projects/new' }, '登记新项目') : null,
      params.get('cursor') ? h('a', { href: '#/projects?' + new URLSearchParams([...params].filter(([k]) => k !== 'cursor')) }, '回到第一页') : null,
      page.next_cursor ? h('a', { href: `#/projects?${next}` }, '下一页') : null,
      h('a', { href: `/api/v1/projects/export?format=xlsx&unit=wan&${exportQuery}` }, '导出 Excel（万元）'),
      h('a', { href: `/api/v1/projects/export?format=csv&${exportQuery}` }, '导出 CSV（元）')),
    table([['编号'], ['名称'], ['类别'], ['状态'], ['计划总投资', true], ['缺口', true], ['形象进度', true], ...(expiring ? [['储备到期']] : [])],
      page.items.map((p) => [
        p.code, h('a', { href: `#/projects/${p.id}` }, p.name),
        (summary.by_category.find((c) => c.category === p.category) || {}).name_zh || p.category,
        STATUS[p.status], wan(p.investment.total), wan(p.investment.gap), `${p.progress_pct}%`,
        ...(expiring ? [day(p.reserve_expires)] : [])])),
  );
}

// ---- Project page ----------------------------------------------------------------------

const EDITABLE = ['name', 'description', 'location', 'scale', 'start_year', 'end_year', 'national_code',
  'investment.total', ...Object.keys(SOURCE).map((s) => `investment.${s}`)];

// A year's planned investment is edited as the field `investment_by_year.YYYY`.
const YEAR_FIELD = 'investment_by_year.';

/** The fields of the edit form: the ones above and the planned amount of each plan year. */
function editable(project) {
  return [...EDITABLE, ...(project.investment_by_year || []).map((y) => `${YEAR_FIELD}${y.year}`)];
}

function label(field) {
  if (FIELD[field]) return FIELD[field];
  return field.startsWith(YEAR_FIELD) ? `${field.slice(YEAR_FIELD.length)}年计划投资（元）` : field;
}

const isAmount = (field) => field.startsWith('investment.') || field.startsWith(YEAR_FIELD);

function valueOf(project, field) {
  if (field.startsWith(YEAR_FIELD)) {
    const year = Number(field.slice(YEAR_FIELD.length));
    const entry = (project.investment_by_year || []).find((y) => y.year === year);
    return entry ? entry.planned : null;
  }
  return field.split('.').reduce((v, key) => (v == null ? v : v[key]), project);
}

function shown(project, field) {
  const value = valueOf(project, field);
  if (value === null || value === undefined || value === '') return '—';
  return isAmount(field) ? yuan(value) : String(value);
}

async function projectPage(view, params, id) {
  const loaded = await api('GET', `/api/v1/projects/${id}`);
  const project = loaded.data;
  const [transitions, reports, adjustments] = await Promise.all([
    get(`/api/v1/projects/${id}/transitions`),
    get(`/api/v1/projects/${id}/reports`),
    get(`/api/v1/projects/${id}/adjustments?limit=200`),
  ]);
  const history = can.audit() ? await get(`/api/v1/projects/${id}/history?limit=50`) : null;
  const names = await organizationNames();
  const investment = project.investment;
  const sections = [
    h('h1', {}, `${project.code} ${project.name}`),
    h('p', {}, h('span', { class: 'badge' }, STATUS[project.status]), ' ',
      h('span', { class: 'muted' }, `版本 ${project.version} · 更新于 ${when(project.updated_at)} · 出处 ${project.source_ref || '—'}`)),
    h('section', { class: 'card' }, h('h2', {}, '基本信息'),
      h('dl', { class: 'fields' },
        ['description', 'location', 'scale', 'start_year', 'end_year', 'national_code'].flatMap((f) => [h('dt', {}, FIELD[f]), h('dd', {}, shown(project, f))]),
        h('dt', {}, '牵头部门'), h('dd', {}, names.get(project.lead_department) || (project.lead_department ? '（单位）' : '未指定')),
        h('dt', {}, '实施单位'), h('dd', {}, names.get(project.implementing_org) || (project.implementing_org ? '（单位）' : '—')),
        h('dt', {}, FIELD.reserve_since), h('dd', {}, day(project.reserve_since)),
        project.reserve_expires ? [h('dt', {}, FIELD.reserve_expires), h('dd', {}, day(project.reserve_expires))] : null,
        project.withdrawal_reason ? [h('dt', {}, FIELD.withdrawal_reason),
          h('dd', {}, WITHDRAWAL_REASON[project.withdrawal_reason] || project.withdrawal_reason)] : null)),
    h('section', { class: 'card' }, h('h2', {}, '投资'),
      table([['项目'], ['金额（元）', true], ['万元', true]], [
        ['计划总投资', yuan(investment.total), wan(investment.total)],
        ...Object.entries(SOURCE).map(([key, label]) => [label, yuan(investment[key]), wan(investment[key])]),
        ['已落实资金', yuan(investment.secured), wan(investment.secured)],
        ['资金缺口', yuan(investment.gap), wan(investment.gap)],
        ['累计完成投资', yuan(project.completed_investment), wan(project.completed_investment)],
      ]),
      h('p', {}, `形象进度 ${project.progress_pct}%`)),
    yearSection(project),
  ];
  if (can.edit(project)) sections.push(editSection(project, loaded.etag));
  const open = moves(project);
  if (open.length) sections.push(moveSection(project, loaded.etag, open));
  if (can.renew(project)) sections.push(renewSection(project, loaded.etag));
  sections.push(adjustmentsSection(project, adjustments));
  sections.push(h('section', { class: 'card' }, h('h2', {}, '生命周期'),
    h('ol', { class: 'timeline' }, transitions.map((t) => h('li', {},
      h('strong', {}, t.from ? `${STATUS[t.from]} → ${STATUS[t.to]}` : `登记为${STATUS[t.to]}`), ' ',
      h('span', { class: 'muted' }, when(t.at)), t.note ? h('div', {}, t.note) : null)))));
  sections.push(reportsSection(project, reports));
  if (history) {
    sections.push(h('section', { class: 'card' }, h('h2', {}, '审计记录'),
      table([['时间'], ['操作'], ['操作者']], history.items.map((e) => [when(e.at), ACTION[e.action] || e.action,
        e.actor.kind === 'system' ? '系统' : `${ROLE[e.actor.role] || e.actor.kind}`]))));
  }
  view(...sections);
}

/** Registering a project: a department registers projects it leads, a platform company
 *  those it implements (naming their lead department), the plan office any. */
async function newProjectPage(view) {
  const plan = state.plan;
  const summary = state.summary || await get(`/api/v1/plans/${encodeURIComponent(plan.code)}/summary`);
  state.summary = summary;
  const role = state.user.role;
  const departments = role === 'plan_office'
    ? (await get('/api/v1/organizations')).filter((o) => o.kind === 'department' && o.active).map((o) => [o.id, o.name])
    : summary.by_department.filter((d) => d.organization).map((d) => [d.organization, d.name]);
  const text = (name, attrs = {}) => h('label', {}, FIELD[name], h(name === 'description' ? 'textarea' : 'input', { name, ...attrs }));
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { plan: plan.code };
    for (const [name, value] of data) {
      const trimmed = String(value).trim();
      if (!trimmed) continue;
      if (name === 'investment.total') body.investment = { total: trimmed };
      else if (name.endsWith('_year') && /^\d+$/.test(trimmed)) body[name] = Number(trimmed);
      else body[name] = trimmed;
    }
    if (role === 'department') body.lead_department = state.user.organization_id;
    if (role === 'platform_company') body.implementing_org = state.user.organization_id;
    try {
      const created = (await api('POST', '/api/v1/projects', body)).data;
      state.summary = null;
      state.nextFlash = `已登记 ${created.code} ${created.name}。`;
      location.hash = `#/projects/${created.id}`;
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('div', { class: 'form-grid' },
    h('label', {}, FIELD.category, h('select', { name: 'category', required: true },
      summary.by_category.map((c) => h('option', { value: c.category }, c.name_zh)))),
    text('name', { required: true, maxlength: 200 }),
    role === 'department' ? null : h('label', {}, FIELD.lead_department,
      h('select', { name: 'lead_department', required: true }, departments.map(([id, name]) => h('option', { value: id }, name)))),
    text('location'), text('scale'),
    text('start_year', { inputmode: 'numeric' }), text('end_year', { inputmode: 'numeric' }),
    text('investment.total', { inputmode: 'decimal', placeholder: '例如 1500000.00' }),
    text('description')),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '登记')));
  view(h('h1', {}, '登记新项目'), h('section', { class: 'card' }, form));
}

let organizationCache = null;
/** Organization names by id: the plan office reads them all; others see names from the summary. */
async function organizationNames() {
  if (organizationCache) return organizationCache;
  const names = new Map();
  if (can.administer()) {
    for (const o of await get('/api/v1/organizations')) names.set(o.id, o.name);
  } else if (state.summary || state.plan) {
    const summary = state.summary || await get(`/api/v1/plans/${encodeURIComponent(state.plan.code)}/summary`);
    for (const d of summary.by_department) if (d.organization) names.set(d.organization, d.name);
  }
  organizationCache = names;
  return names;
}

/** The edit form. A save sends only what the user changed, with If-Match: a save over
 *  someone else's newer version is refused (412) and the user is shown what changed since,
 *  and may load the new version with their own changes applied again. */
function editSection(project, etag) {
  let base = project;
  let baseTag = etag;
  const input = (field) => {
    const value = valueOf(base, field);
    const attrs = { name: field, value: value == null ? '' : String(value) };
    if (field === 'description') return h('textarea', attrs);
    if (field.endsWith('_year')) return h('input', { ...attrs, inputmode: 'numeric' });
    if (isAmount(field)) return h('input', { ...attrs, inputmode: 'decimal', placeholder: '例如 1500000.00' });
    return h('input', attrs);
  };
  const years = editable(base).filter((field) => field.startsWith(YEAR_FIELD));
  const notice = h('div');
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const patch = changes(form, base);
    if (!Object.keys(patch).length) {
      flash('没有修改。');
      return;
    }
    try {
      await api('PATCH', `/api/v1/projects/${project.id}`, patch, { ifMatch: baseTag });
      await route();
      flash('已保存。');
    } catch (error) {
      if (error.status === 412) await stale(project.id, form, notice, patch, (fresh, tag) => { base = fresh; baseTag = tag; });
      else showProblem(yearErrors(error, patch), form);
    }
  } },
  h('div', { class: 'form-grid' }, EDITABLE.map((field) => h('label', {}, FIELD[field], input(field)))),
  years.length ? h('fieldset', {}, h('legend', {}, '分年度计划投资（各年合计不超过计划总投资；清空即删除该年）'),
    h('div', { class: 'form-grid' }, years.map((field) => h('label', {}, label(field), input(field))))) : null,
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '保存修改')));
  return h('section', { class: 'card' }, h('h2', {}, '编辑'), notice, form);
}

/** A field error on the n-th year of `patch` (`investment_by_year[n].planned`) named as
 *  that year's input, so that it shows beside it. */
function yearErrors(error, patch) {
  const years = patch.investment_by_year || [];
  for (const fieldError of (error.problem && error.problem.errors) || []) {
    const match = /^investment_by_year\[(\d+)\]/.exec(fieldError.field || '');
    if (match && years[Number(match[1])]) fieldError.field = `${YEAR_FIELD}${years[Number(match[1])].year}`;
  }
  return error;
}

/** The JSON merge patch of what the form changed against `base`; a year's plan is sent as
 *  `investment_by_year: [{year, planned}]`, only the years changed. */
function changes(form, base) {
  const patch = {};
  for (const field of editable(base)) {
    if (!form.elements[field]) continue;
    const text = form.elements[field].value.trim();
    const before = valueOf(base, field);
    const beforeText = before == null ? '' : String(before);
    if (text === beforeText) continue;
    const value = text === '' ? null : field.endsWith('_year') && /^\d+$/.test(text) ? Number(text) : text;
    if (field.startsWith(YEAR_FIELD)) {
      patch.investment_by_year = patch.investment_by_year || [];
      patch.investment_by_year.push({ year: Number(field.slice(YEAR_FIELD.length)), planned: value });
    } else if (field.startsWith('investment.')) {
      patch.investment = patch.investment || {};
      patch.investment[field.slice('investment.'.length)] = value;
    } else {
      patch[field] = value;
    }
  }
  return patch;
}

async function stale(id, form, notice, patch, rebase) {
  const fresh = await api('GET', `/api/v1/projects/${id}`);
  const mine = new Set(Object.keys(patch).flatMap((k) => (k === 'investment' ? Object.keys(patch.investment).map((s) => `investment.${s}`)
    : k === 'investment_by_year' ? patch.investment_by_year.map((y) => `${YEAR_FIELD}${y.year}`) : [k])));
  const fields = editable(fresh.data).filter((field) => form.elements[field]);
  const changedSince = fields.filter((field) => {
    const input = form.elements[field];
    return !mine.has(field) && String(valueOf(fresh.data, field) ?? '') !== input.value.trim();
  });
  notice.replaceChildren(h('div', { class: 'notice', role: 'alert' },
    h('strong', {}, '保存未成功：有人在你之后修改了这个项目（现在是版本 ' + fresh.data.version + '）。'),
    changedSince.length ? h('p', {}, '对方改动了：') : h('p', {}, '对方的改动不涉及表单中的字段。'),
    changedSince.length ? table([['字段'], ['现在的值']], changedSince.map((f) => [label(f), shown(fresh.data, f)])) : null,
    h('p', {}, `你的修改：${[...mine].map(label).join('、')}。`),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => {
      for (const field of fields) {
        if (!mine.has(field)) {
          const value = valueOf(fresh.data, field);
          form.elements[field].value = value == null ? '' : String(value);
        }
      }
      rebase(fresh.data, fresh.etag);
      notice.replaceChildren(h('p', { class: 'muted' }, '已载入最新版本并保留你的修改，请检查后再次保存。'));
      form.querySelector('button[type="submit"]').focus();
    } }, '载入最新版本并保留我的修改'))));
  flash('');
}

function moveSection(project, etag, open) {
  const reason = h('label', { hidden: open[0] !== 'withdrawn' }, FIELD.withdrawal_reason,
    h('select', { name: 'reason' }, Object.entries(WITHDRAWAL_REASON).filter(([code]) => code !== 'expired')
      .map(([code, text]) => h('option', { value: code, selected: code === 'other' }, text))));
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const note = String(data.get('note') || '').trim();
    const body = { to: data.get('to'), note: note || null };
    if (body.to === 'withdrawn') body.reason = data.get('reason');
    try {
      await api('POST', `/api/v1/projects/${project.id}/transitions`, body, { ifMatch: etag });
      await route();
      flash(`已转为${STATUS[data.get('to')]}。`);
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('div', { class: 'form-grid' },
    h('label', {}, FIELD.to, h('select', { name: 'to', onchange: (event) => { reason.hidden = event.target.value !== 'withdrawn'; } },
      open.map((s) => h('option', { value: s }, STATUS[s])))),
    reason,
    h('label', {}, '说明（退出、退回、重新入库时必填）', h('input', { name: 'note' }))),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '变更状态')));
  return h('section', { class: 'card' }, h('h2', {}, '变更状态'), form);
}

/** The plan office keeps a reserve project in the reserve: its reserve counts from today. */
function renewSection(project, etag) {
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api('POST', `/api/v1/projects/${project.id}/renewal`, { note: String(new FormData(form).get('note') || '').trim() }, { ifMatch: etag });
      await route();
      flash('已续期，储备期自今日起重新计算。');
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('p', { class: 'muted' }, project.reserve_expires ? `储备到期：${day(project.reserve_expires)}。` : '', '续期后储备期自今日起重新计算。'),
  h('label', {}, '续期说明（必填）', h('input', { name: 'note', required: true })),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '续期')));
  return h('section', { class: 'card' }, h('h2', {}, '续期'), form);
}

/** 分年度投资: each plan year's planned and completed investment. */
function yearSection(project) {
  const years = project.investment_by_year || [];
  const inPeriod = years.some((y) => y.year === thisYear());
  return h('section', { class: 'card' }, h('h2', {}, '分年度投资'),
    years.length ? yearTable(years) : h('p', { class: 'muted' }, '没有分年度数据。'),
    h('p', { class: 'muted' },
      `各年计划投资合计 ${wan(sum(years.map((y) => y.planned)))}，计划总投资 ${wan(project.investment.total)}。`,
      inPeriod ? '' : `本年（${thisYear()}年）不在规划期内。`));
}

function reportsSection(project, reports) {
  const rows = reports.map((r) => {
    const cells = [month(r.period), yuan(r.investment_completed), `${r.physical_progress}%`, REPORT_STATUS[r.status], r.summary, r.review_comment || ''];
    return h('tr', {}, cells.map((c, i) => h('td', { class: i === 1 || i === 2 ? 'num' : null }, c)),
      h('td', {}, can.review(r) ? reviewForm(r) : r.status === 'returned' && can.edit(project) && state.user.id === r.submitted_by ? correctionForm(r) : null));
  });
  const section = h('section', { class: 'card' }, h('h2', {}, '月度调度报告'),
    reports.length
      ? h('table', {}, h('thead', {}, h('tr', {}, ['月份', '本期完成投资', '形象进度', '状态', '进展情况', '审核意见', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))
      : h('p', { class: 'muted' }, '还没有报告。'));
  if (can.report(project)) section.append(reportForm(project));
  return section;
}

function reportFields(report) {
  return [
    h('label', {}, FIELD.investment_completed, h('input', { name: 'investment_completed', inputmode: 'decimal', value: report ? report.investment_completed : '', required: true })),
    h('label', {}, FIELD.physical_progress, h('input', { name: 'physical_progress', inputmode: 'numeric', value: report ? report.physical_progress : '', required: true })),
    h('label', {}, FIELD.summary, h('textarea', { name: 'summary', value: report ? report.summary : '', required: true })),
    h('label', {}, FIELD.issues, h('textarea', { name: 'issues', value: report ? report.issues : '' })),
  ];
}

function reportBody(form) {
  const data = new FormData(form);
  const progress = String(data.get('physical_progress')).trim();
  return {
    investment_completed: String(data.get('investment_completed')).trim(),
    physical_progress: /^\d+$/.test(progress) ? Number(progress) : progress,
    summary: String(data.get('summary')), issues: String(data.get('issues') || ''),
  };
}

function reportForm(project) {
  const now = new Date();
  const period = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api('POST', `/api/v1/projects/${project.id}/reports`, { period: new FormData(form).get('period'), ...reportBody(form) });
      await route();
      flash('报告已提交，等待财政审核。');
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('h2', {}, '提交月度报告'),
  h('div', { class: 'form-grid' }, h('label', {}, `${FIELD.period}（YYYY-MM）`, h('input', { name: 'period', value: period, required: true })), reportFields()),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '提交报告')));
  return form;
}

function correctionForm(report) {
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api('PATCH', `/api/v1/reports/${report.id}`, reportBody(form));
      await route();
      flash('报告已更正并重新提交。');
    } catch (error) {
      showProblem(error, form);
    }
  } }, h('div', { class: 'form-grid' }, reportFields(report)), h('button', { type: 'submit' }, '更正并重新提交'));
  return h('details', {}, h('summary', {}, '更正'), form);
}

function reviewForm(report) {
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const decision = event.submitter && event.submitter.value;
    const comment = String(new FormData(form).get('comment') || '').trim();
    try {
      await api('POST', `/api/v1/reports/${report.id}/review`, { decision, comment: comment || null });
      await route();
      flash(decision === 'accepted' ? '报告已通过。' : '报告已退回。');
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('label', {}, FIELD.comment, h('input', { name: 'comment' })),
  h('div', { class: 'actions' },
    h('button', { type: 'submit', value: 'accepted' }, '通过'),
    h('button', { type: 'submit', value: 'returned', class: 'secondary' }, '退回')));
  return form;
}

// ---- Review queue (finance and the plan office) ----------------------------------------

async function reviewQueuePage(view) {
  const waiting = await get('/api/v1/reports?limit=200');
  view(
    h('h1', {}, '待审核报告'),
    h('p', { class: 'muted' }, waiting.length
      ? `共 ${waiting.length} 份${waiting.length === 200 ? '（只列最早的 200 份）' : ''}，按提交时间从早到晚。`
      : '没有待审核的报告。'),
    waiting.map(({ report, project }) => h('section', { class: 'card' },
      h('h2', {}, h('a', { href: `#/projects/${project.id}` }, `${project.code} ${project.name}`), ` · ${month(report.period)}`),
      h('div', { class: 'grid' },
        h('dl', { class: 'fields' },
          h('dt', {}, '提交时间'), h('dd', {}, when(report.submitted_at)),
          h('dt', {}, FIELD.investment_completed), h('dd', {}, yuan(report.investment_completed)),
          h('dt', {}, FIELD.physical_progress), h('dd', {}, `${report.physical_progress}%`),
          h('dt', {}, FIELD.summary), h('dd', {}, report.summary),
          h('dt', {}, FIELD.issues), h('dd', {}, report.issues || '—')),
        h('dl', { class: 'fields' },
          h('dt', {}, '项目状态'), h('dd', {}, STATUS[project.status]),
          h('dt', {}, '计划总投资'), h('dd', {}, wan(project.investment.total)),
          h('dt', {}, '已落实资金'), h('dd', {}, wan(project.investment.secured)),
          h('dt', {}, '资金缺口'), h('dd', {}, wan(project.investment.gap)),
          h('dt', {}, '累计完成投资'), h('dd', {}, wan(project.completed_investment)),
          h('dt', {}, '形象进度'), h('dd', {}, `${project.progress_pct}%`))),
      reviewForm(report))),
  );
}

// ---- Adjustment requests ---------------------------------------------------------------

/** The fields an adjustment's `changes` sets, in a fixed order. */
function requestedChanges(changes) {
  return ADJUSTABLE.filter((field) => valueOf(changes, field) !== undefined);
}

/** A value an adjustment asks for: `null` clears the field. */
function asked(field, value) {
  if (value === null || value === '') return '（清空）';
  return isAmount(field) ? yuan(value) : String(value);
}

/** The project's adjustment requests and, for its owners and the plan office, a form to
 *  file one. */
function adjustmentsSection(project, page) {
  const items = page.items;
  const section = h('section', { class: 'card' }, h('h2', {}, '调整申请'),
    items.length
      ? table([['申请时间'], ['调整内容'], ['理由'], ['状态'], ['审批意见']], items.map((a) => [
        when(a.requested_at),
        h('ul', { class: 'plain' }, requestedChanges(a.changes).map((f) => h('li', {}, `${FIELD[f]}：${asked(f, valueOf(a.changes, f))}`))),
        a.reason, ADJUSTMENT_STATUS[a.status] || a.status, a.review_note || '']))
      : h('p', { class: 'muted' }, '还没有调整申请。'),
    page.next_cursor ? h('p', { class: 'muted' }, '只列最早的 200 份。') : null,
    can.reviewAdjustments() && items.some((a) => a.status === 'pending')
      ? h('p', {}, h('a', { href: '#/adjustments' }, '到调整审批')) : null);
  if (can.edit(project)) section.append(adjustmentForm(project));
  return section;
}

/** A rule of the project the change would break is named by the project's field: show it
 *  beside the change's input. */
function adjustmentErrors(error) {
  for (const fieldError of (error.problem && error.problem.errors) || []) {
    const field = fieldError.field === 'investment' ? 'investment.total' : fieldError.field;
    if (ADJUSTABLE.includes(field)) fieldError.field = `changes.${field}`;
  }
  return error;
}

/** Files an adjustment: only the fields changed against the project are sent. */
function adjustmentForm(project) {
  const input = (field) => {
    const value = valueOf(project, field);
    const attrs = { name: `changes.${field}`, value: value == null ? '' : String(value) };
    if (field === 'description') return h('textarea', attrs);
    if (field === 'end_year') return h('input', { ...attrs, inputmode: 'numeric' });
    if (isAmount(field)) return h('input', { ...attrs, inputmode: 'decimal', placeholder: '例如 1500000.00' });
    return h('input', attrs);
  };
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const changes = {};
    for (const field of ADJUSTABLE) {
      const text = form.elements[`changes.${field}`].value.trim();
      const before = valueOf(project, field);
      if (text === (before == null ? '' : String(before))) continue;
      const value = text === '' ? null : field === 'end_year' && /^\d+$/.test(text) ? Number(text) : text;
      if (field === 'investment.total') changes.investment = { total: value };
      else changes[field] = value;
    }
    if (!Object.keys(changes).length) {
      flash('没有调整内容：请至少修改一项。', true);
      return;
    }
    try {
      await api('POST', `/api/v1/projects/${project.id}/adjustments`, { changes, reason: String(new FormData(form).get('reason') || '').trim() });
      await route();
      flash('调整申请已提交，等待规划办审批。');
    } catch (error) {
      showProblem(adjustmentErrors(error), form);
    }
  } },
  h('h2', {}, '申请调整'),
  h('p', { class: 'muted' }, '建设地点、规模、建设内容、完工年份和计划总投资的调整须经规划办批准；只提交改动的项。'),
  h('div', { class: 'form-grid' }, ADJUSTABLE.map((field) => h('label', {}, FIELD[field], input(field))),
    h('label', {}, `${FIELD.reason}（必填）`, h('textarea', { name: 'reason', required: true }))),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '提交调整申请')));
  return form;
}

/** The plan office's queue: pending requests, oldest first, each beside the project's
 *  current values. */
async function adjustmentQueuePage(view, params) {
  const query = new URLSearchParams({ status: 'pending', limit: '50' });
  if (params.get('cursor')) query.set('cursor', params.get('cursor'));
  const page = await get(`/api/v1/adjustments?${query}`);
  const ids = [...new Set(page.items.map((a) => a.project))];
  const projects = new Map(await Promise.all(ids.map(async (id) => [id, await get(`/api/v1/projects/${id}`)])));
  view(
    h('h1', {}, '调整审批'),
    h('div', { class: 'actions' },
      h('span', { class: 'muted' }, page.items.length
        ? `本页 ${page.items.length} 份待审批的调整申请，按提交时间从早到晚。`
        : '没有待审批的调整申请。'),
      params.get('cursor') ? h('a', { href: '#/adjustments' }, '回到第一页') : null,
      page.next_cursor ? h('a', { href: `#/adjustments?${new URLSearchParams({ cursor: page.next_cursor })}` }, '下一页') : null),
    page.items.map((a) => adjustmentCard(a, projects.get(a.project))),
  );
}

function adjustmentCard(adjustment, project) {
  const fields = requestedChanges(adjustment.changes);
  return h('section', { class: 'card' },
    h('h2', {}, h('a', { href: `#/projects/${project.id}` }, `${project.code} ${project.name}`), ` · ${when(adjustment.requested_at)}`),
    table([['调整项'], ['现在的值'], ['申请调整为']], fields.map((f) => [FIELD[f], shown(project, f), asked(f, valueOf(adjustment.changes, f))])),
    h('dl', { class: 'fields spaced' },
      h('dt', {}, FIELD.reason), h('dd', {}, adjustment.reason),
      h('dt', {}, '项目状态'), h('dd', {}, STATUS[project.status])),
    adjustmentReviewForm(adjustment));
}

function adjustmentReviewForm(adjustment) {
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const decision = event.submitter && event.submitter.value;
    const note = String(new FormData(form).get('note') || '').trim();
    try {
      await api('POST', `/api/v1/adjustments/${adjustment.id}/review`, { decision, note: note || null });
      await route();
      flash(decision === 'approved' ? '已批准调整申请，项目已按申请修改。' : '已驳回调整申请。');
    } catch (error) {
      // A conflict (decided meanwhile, or the project changed since filing): show the
      // queue as it is now, then why.
      if (error.status === 409) await route();
      showProblem(error, error.status === 409 ? null : form);
    }
  } },
  h('label', {}, '审批意见（驳回时必填）', h('input', { name: 'note' })),
  h('div', { class: 'actions' },
    h('button', { type: 'submit', value: 'approved' }, '批准'),
    h('button', { type: 'submit', value: 'rejected', class: 'secondary' }, '驳回')));
  return form;
}

// ---- Administration (plan office) ------------------------------------------------------

async function usersPage(view) {
  const [users, organizations] = await Promise.all([get('/api/v1/users'), get('/api/v1/organizations')]);
  const orgName = new Map(organizations.map((o) => [o.id, o.name]));
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      await api('POST', '/api/v1/users', data);
      await route();
      flash(`已添加用户 ${data.username}。`);
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('div', { class: 'form-grid' },
    h('label', {}, FIELD.username, h('input', { name: 'username', required: true, autocomplete: 'off' })),
    h('label', {}, FIELD.display_name, h('input', { name: 'display_name' })),
    h('label', {}, `${FIELD.password}（至少 12 个字符）`, h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
    h('label', {}, FIELD.role, h('select', { name: 'role' }, Object.entries(ROLE).map(([v, t]) => h('option', { value: v }, t)))),
    h('label', {}, FIELD.organization_id, h('select', { name: 'organization_id' }, organizations.map((o) => h('option', { value: o.id }, o.name))))),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '添加用户')));
  const toggle = (user) => h('button', { type: 'button', class: user.active ? 'danger' : 'secondary', onclick: async () => {
    try {
      await api('PATCH', `/api/v1/users/${user.id}`, { active: !user.active });
      await route();
      flash(user.active ? `已停用 ${user.username}。` : `已启用 ${user.username}。`);
    } catch (error) {
      showProblem(error);
    }
  } }, user.active ? '停用' : '启用');
  view(h('h1', {}, '用户'),
    table([['用户名'], ['姓名'], ['角色'], ['所属单位'], ['状态'], ['']], users.map((u) => [
      u.username, u.display_name, ROLE[u.role], orgName.get(u.organization_id) || '', u.active ? '启用' : '停用',
      u.id === state.user.id ? '' : toggle(u)])),
    h('section', { class: 'card' }, h('h2', {}, '添加用户'), form));
}

async function organizationsPage(view) {
  const organizations = await get('/api/v1/organizations');
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      await api('POST', '/api/v1/organizations', data);
      organizationCache = null;
      await route();
      flash(`已添加单位 ${data.name}。`);
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('div', { class: 'form-grid' },
    h('label', {}, '单位名称', h('input', { name: 'name', required: true })),
    h('label', {}, FIELD.kind, h('select', { name: 'kind' }, Object.entries(ORG_KIND).map(([v, t]) => h('option', { value: v }, t))))),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '添加单位')));
  view(h('h1', {}, '单位'),
    table([['名称'], ['类型'], ['状态']], organizations.map((o) => [o.name, ORG_KIND[o.kind], o.active ? '启用' : '停用'])),
    h('section', { class: 'card' }, h('h2', {}, '添加单位'), form));
}

async function apiKeysPage(view) {
  const keys = await get('/api/v1/api-keys');
  const shownOnce = h('div');
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    try {
      const created = (await api('POST', '/api/v1/api-keys', Object.fromEntries(new FormData(form)))).data;
      await route();
      main().prepend(h('div', { class: 'notice', role: 'alert' },
        h('strong', {}, `密钥“${created.name}”只显示这一次，请立即复制保存：`), h('div', { class: 'key' }, created.key)));
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('label', {}, '用途（例如系统名称）', h('input', { name: 'name', required: true })),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '生成密钥')));
  const revoke = (key) => h('button', { type: 'button', class: 'danger', onclick: async () => {
    try {
      await api('DELETE', `/api/v1/api-keys/${key.id}`);
      await route();
      flash(`已吊销“${key.name}”。`);
    } catch (error) {
      showProblem(error);
    }
  } }, '吊销');
  view(h('h1', {}, '接口密钥'), shownOnce,
    table([['用途'], ['创建时间'], ['状态'], ['']], keys.map((k) => [k.name, when(k.created_at), k.revoked_at ? `已吊销（${when(k.revoked_at)}）` : '有效', k.revoked_at ? '' : revoke(k)])),
    h('section', { class: 'card' }, h('h2', {}, '生成密钥'), form));
}

async function passwordPage(view) {
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api('POST', '/api/v1/me/password', Object.fromEntries(new FormData(form)));
      state.user = null;
      loginPage();
      flash('密码已修改，请用新密码重新登录。');
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('label', {}, FIELD.current_password, h('input', { name: 'current_password', type: 'password', required: true, autocomplete: 'current-password' })),
  h('label', {}, `${FIELD.new_password}（至少 12 个字符）`, h('input', { name: 'new_password', type: 'password', required: true, autocomplete: 'new-password' })),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '修改密码')));
  view(h('section', { class: 'login card' }, h('h1', {}, '修改密码'), form));
}
