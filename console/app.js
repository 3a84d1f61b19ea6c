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
const ACTION = {
  'project.create': '登记项目', 'project.update': '修改项目', 'project.transition': '变更状态',
  'project.figures': '更新完成投资与进度', 'report.create': '提交报告', 'report.update': '更正报告',
  'report.review': '审核报告',
};
const SORTS = { code: '编号', name: '名称', '-updated_at': '最近更新', '-total_investment': '总投资（高→低）' };
const FIELD = {
  name: '项目名称', description: '建设内容', location: '建设地点', scale: '建设规模', start_year: '开工年份',
  end_year: '完工年份', national_code: '全国投资项目代码', 'investment.total': '计划总投资（元）',
  lead_department: '牵头部门', implementing_org: '实施单位', code: '项目编号', category: '类别', status: '状态',
  period: '月份', investment_completed: '本期完成投资（元）', physical_progress: '形象进度（%）', summary: '进展情况',
  issues: '存在问题', note: '说明', comment: '审核意见', username: '用户名', password: '密码', role: '角色',
  organization_id: '所属单位', display_name: '姓名', kind: '单位类型', current_password: '当前密码',
  new_password: '新密码', to: '目标状态',
};
for (const [key, label] of Object.entries(SOURCE)) FIELD[`investment.${key}`] = `${label}（元）`;

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

function table(headings, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headings.map(([label, numeric]) => h('th', { class: numeric ? 'num' : null, scope: 'col' }, label)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { class: headings[i][1] ? 'num' : null }, cell))))));
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
            d.projects, wan(d.total), wan(d.gap)])))),
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
  for (const name of ['category', 'status', 'lead_department', 'year', 'q', 'sort', 'cursor']) {
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
  h('label', {}, '关键词（名称、编号、地点）', h('input', { name: 'q', value: params.get('q') || '', type: 'search' })),
  h('label', {}, '排序', h('select', { name: 'sort' }, Object.entries(SORTS).map(([value, text]) => h('option', { value, selected: (params.get('sort') || 'code') === value }, text)))),
  h('button', { type: 'submit' }, '筛选'));
  const exportQuery = new URLSearchParams(query);
  exportQuery.delete('limit');
  exportQuery.delete('cursor');
  const next = new URLSearchParams(params);
  if (page.next_cursor) next.set('cursor', page.next_cursor);
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
    table([['编号'], ['名称'], ['类别'], ['状态'], ['计划总投资', true], ['缺口', true], ['形象进度', true]],
      page.items.map((p) => [
        p.code, h('a', { href: `#/projects/${p.id}` }, p.name),
        (summary.by_category.find((c) => c.category === p.category) || {}).name_zh || p.category,
        STATUS[p.status], wan(p.investment.total), wan(p.investment.gap), `${p.progress_pct}%`])),
  );
}

// ---- Project page ----------------------------------------------------------------------

const EDITABLE = ['name', 'description', 'location', 'scale', 'start_year', 'end_year', 'national_code',
  'investment.total', ...Object.keys(SOURCE).map((s) => `investment.${s}`)];

function valueOf(project, field) {
  return field.split('.').reduce((v, key) => (v == null ? v : v[key]), project);
}

function shown(project, field) {
  const value = valueOf(project, field);
  if (value === null || value === undefined || value === '') return '—';
  return field.startsWith('investment.') ? yuan(value) : String(value);
}

async function projectPage(view, params, id) {
  const loaded = await api('GET', `/api/v1/projects/${id}`);
  const project = loaded.data;
  const [transitions, reports] = await Promise.all([
    get(`/api/v1/projects/${id}/transitions`),
    get(`/api/v1/projects/${id}/reports`),
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
        h('dt', {}, '实施单位'), h('dd', {}, names.get(project.implementing_org) || (project.implementing_org ? '（单位）' : '—')))),
    h('section', { class: 'card' }, h('h2', {}, '投资'),
      table([['项目'], ['金额（元）', true], ['万元', true]], [
        ['计划总投资', yuan(investment.total), wan(investment.total)],
        ...Object.entries(SOURCE).map(([key, label]) => [label, yuan(investment[key]), wan(investment[key])]),
        ['已落实资金', yuan(investment.secured), wan(investment.secured)],
        ['资金缺口', yuan(investment.gap), wan(investment.gap)],
        ['累计完成投资', yuan(project.completed_investment), wan(project.completed_investment)],
      ]),
      h('p', {}, `形象进度 ${project.progress_pct}%`)),
  ];
  if (can.edit(project)) sections.push(editSection(project, loaded.etag));
  const open = moves(project);
  if (open.length) sections.push(moveSection(project, loaded.etag, open));
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
    if (field.startsWith('investment.')) return h('input', { ...attrs, inputmode: 'decimal', placeholder: '例如 1500000.00' });
    return h('input', attrs);
  };
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
      else showProblem(error, form);
    }
  } },
  h('div', { class: 'form-grid' }, EDITABLE.map((field) => h('label', {}, FIELD[field], input(field)))),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '保存修改')));
  return h('section', { class: 'card' }, h('h2', {}, '编辑'), notice, form);
}

/** The JSON merge patch of what the form changed against `base`. */
function changes(form, base) {
  const patch = {};
  for (const field of EDITABLE) {
    const text = form.elements[field].value.trim();
    const before = valueOf(base, field);
    const beforeText = before == null ? '' : String(before);
    if (text === beforeText) continue;
    const value = text === '' ? null : field.endsWith('_year') && /^\d+$/.test(text) ? Number(text) : text;
    if (field.startsWith('investment.')) {
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
  const mine = new Set(Object.keys(patch).flatMap((k) => (k === 'investment' ? Object.keys(patch.investment).map((s) => `investment.${s}`) : [k])));
  const changedSince = EDITABLE.filter((field) => {
    const input = form.elements[field];
    return !mine.has(field) && String(valueOf(fresh.data, field) ?? '') !== input.value.trim();
  });
  notice.replaceChildren(h('div', { class: 'notice', role: 'alert' },
    h('strong', {}, '保存未成功：有人在你之后修改了这个项目（现在是版本 ' + fresh.data.version + '）。'),
    changedSince.length ? h('p', {}, '对方改动了：') : h('p', {}, '对方的改动不涉及表单中的字段。'),
    changedSince.length ? table([['字段'], ['现在的值']], changedSince.map((f) => [FIELD[f], shown(fresh.data, f)])) : null,
    h('p', {}, `你的修改：${[...mine].map((f) => FIELD[f]).join('、')}。`),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => {
      for (const field of EDITABLE) {
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
  const form = h('form', { onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const note = String(data.get('note') || '').trim();
    try {
      await api('POST', `/api/v1/projects/${project.id}/transitions`, { to: data.get('to'), note: note || null }, { ifMatch: etag });
      await route();
      flash(`已转为${STATUS[data.get('to')]}。`);
    } catch (error) {
      showProblem(error, form);
    }
  } },
  h('div', { class: 'form-grid' },
    h('label', {}, FIELD.to, h('select', { name: 'to' }, open.map((s) => h('option', { value: s }, STATUS[s])))),
    h('label', {}, '说明（退出、退回、重新入库时必填）', h('input', { name: 'note' }))),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, '变更状态')));
  return h('section', { class: 'card' }, h('h2', {}, '变更状态'), form);
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
