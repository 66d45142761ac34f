// Plexus console front end: no framework, no build. Everything arrives as server-sent events
// (/events: one event per topic with its JSON snapshot); data is only ever inserted as text.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}
function fillBody(table, rows, cols, empty) {
  const body = table.tBodies[0];
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: cols }, empty))]));
}
function showError(id, message) {
  const p = $(id);
  p.hidden = !message;
  p.textContent = message || '';
}
const rate = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const pct = (f) => `${(f * 100).toFixed(f > 0 && f < 0.01 ? 2 : 1)}%`;
const ms = (v) => (v === null || v === undefined ? '–' : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const short = (name) => (name.startsWith('default/') ? name.slice(8) : name);

// Topology: services in columns by call depth (callers left, callees right).
function layout(services, edges) {
  const names = services.map((s) => s.name);
  const depth = new Map(names.map((n) => [n, 0]));
  for (let pass = 0; pass < names.length; pass++) {
    let moved = false;
    for (const e of edges) {
      const d = (depth.get(e.source) ?? 0) + 1;
      if (e.source !== e.destination && d > (depth.get(e.destination) ?? 0) && d < names.length + 1) {
        depth.set(e.destination, d);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const columns = [];
  for (const n of names) (columns[depth.get(n)] ||= []).push(n);
  return columns.filter(Boolean);
}

function renderTopology(t) {
  showError('topology-error', t.error);
  const g = $('graph');
  const title = g.querySelector('title');
  g.replaceChildren(title);
  const columns = layout(t.services, t.edges);
  const colW = 260, rowH = 84, nodeW = 140, nodeH = 46;
  const width = Math.max(800, columns.length * colW + 40);
  const height = Math.max(120, Math.max(1, ...columns.map((c) => c.length)) * rowH + 40);
  g.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const pos = new Map();
  const gap = columns.length > 1 ? (width - 40 - nodeW) / (columns.length - 1) : 0;
  columns.forEach((col, ci) => {
    col.forEach((name, ri) => {
      const x = 20 + ci * gap;
      const y = (height - col.length * rowH) / 2 + ri * rowH + (rowH - nodeH) / 2;
      pos.set(name, { x, y });
    });
  });
  const counts = new Map(t.services.map((s) => [s.name, s.instances]));
  for (const e of t.edges) {
    const a = pos.get(e.source), b = pos.get(e.destination);
    if (!a || !b) continue;
    const x1 = a.x + nodeW, y1 = a.y + nodeH / 2, x2 = b.x, y2 = b.y + nodeH / 2;
    const group = svg('g', { class: `edge${e.errorRate > 0.05 ? ' err' : ''}` });
    group.append(svg('line', { x1, y1, x2: x2 - 6, y2, 'marker-end': 'url(#arrow)' }));
    const lines = [`${rate(e.rps)} req/s`, `${pct(e.errorRate)} err · p99 ${ms(e.p99Ms)}`];
    const mx = (x1 + x2) / 2, my = (y1 + y2) / 2 - 22;
    const w = Math.max(...lines.map((l) => l.length)) * 6.2 + 8;
    group.append(svg('rect', { class: 'label-bg', x: mx - w / 2, y: my - 12, width: w, height: 30, rx: 3 }));
    lines.forEach((l, i) => group.append(svg('text', { x: mx, y: my + i * 14, 'text-anchor': 'middle' }, l)));
    g.append(group);
  }
  for (const [name, p] of pos) {
    const group = svg('g', { class: 'node' });
    group.append(svg('rect', { x: p.x, y: p.y, width: nodeW, height: nodeH, rx: 8 }));
    group.append(svg('text', { x: p.x + nodeW / 2, y: p.y + 20, 'text-anchor': 'middle' }, short(name)));
    const n = counts.get(name) ?? 0;
    group.append(svg('text', { class: 'count', x: p.x + nodeW / 2, y: p.y + 36, 'text-anchor': 'middle' }, n === 1 ? '1 instance' : `${n} instances`));
    g.append(group);
  }
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0 0 10 5 0 10z', fill: '#8c959f' }));
  defs.append(marker);
  g.prepend(defs);
  title.textContent = `Service graph: ${t.services.length} services, ${t.edges.length} calls. ${t.edges.map((e) => `${short(e.source)} to ${short(e.destination)}`).join(', ')}`;
  fillBody(
    $('edges'),
    t.edges.map((e) =>
      el('tr', {}, el('td', {}, e.source), el('td', {}, e.destination), el('td', { class: 'num' }, rate(e.rps)), el('td', { class: 'num' }, pct(e.errorRate)), el('td', { class: 'num' }, ms(e.p99Ms))),
    ),
    5,
    'No traffic seen yet.',
  );
}

function renderProxies(p) {
  showError('proxies-error', p.error);
  fillBody(
    $('proxy-table'),
    p.proxies.map((r) =>
      el(
        'tr',
        { 'data-instance': r.instance, 'data-state': r.state },
        el('th', { scope: 'row' }, r.instance, el('span', { class: 'detail' }, `${r.address} · ${r.zone}${r.health && r.health !== 'HEALTHY' ? ` · ${r.health}` : ''}`)),
        el('td', {}, r.service),
        el('td', {}, el('span', { class: `state ${r.state}` }, r.state), r.detail ? el('span', { class: 'detail' }, r.detail) : null),
        el('td', { class: 'versions' }, Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join('\n') || '–'),
        el('td', {}, r.lastNack ? `${r.lastNack.type}: ${r.lastNack.message}` : '–'),
      ),
    ),
    5,
    'No proxies registered.',
  );
}

function renderRollouts(r) {
  const list = $('rollout-list');
  if (!r.rollouts.length) return list.replaceChildren(el('li', { class: 'empty' }, 'No policy change since the console started.'));
  list.replaceChildren(
    ...r.rollouts.map((ro) => {
      const p = ro.progress;
      const outcome = ro.error ? 'FAILED' : p ? p.outcome : 'IN_PROGRESS';
      const done = p ? p.acked : 0;
      const total = p ? p.affected : 0;
      const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': Math.max(total, 1), 'aria-valuenow': done, 'aria-label': `${ro.policy} proxies acknowledged` }, el('span'));
      bar.firstChild.style.width = `${total ? Math.round((done / total) * 100) : p && p.done ? 100 : 0}%`;
      const facts = p
        ? `${p.acked}/${p.affected} proxies acknowledged${p.pendingCount ? `, ${p.pendingCount} pending (${p.pending.join(', ')})` : ''}${p.nacks.length ? `, ${p.nacks.length} rejected: ${p.nacks.map((n) => `${n.instanceId}: ${n.error ? n.error.message : ''}`).join('; ')}` : ''} · ${(p.elapsedMs / 1000).toFixed(1)} s`
        : ro.error || 'waiting for config-push…';
      return el(
        'li',
        { 'data-policy': ro.policy, 'data-outcome': outcome },
        el('strong', {}, ro.policy),
        ` revision ${ro.revision} — `,
        el('span', { class: `outcome ${outcome}` }, outcome.replace('_', ' ')),
        bar,
        el('span', { class: 'detail' }, facts),
      );
    }),
  );
}

function renderPolicies(p) {
  showError('policies-error', p.error);
  fillBody(
    $('policy-table'),
    p.policies.map((x) => {
      const button = el('button', { type: 'button', class: 'link', 'aria-controls': 'history' }, 'History');
      button.setAttribute('aria-label', `History of ${x.kind} ${x.namespace}/${x.name}`);
      button.addEventListener('click', () => showHistory(x));
      return el('tr', {}, el('td', {}, x.kind), el('th', { scope: 'row' }, `${x.namespace}/${x.name}`), el('td', { class: 'num' }, x.revision), el('td', {}, x.appliedBy), el('td', {}, x.appliedAt ? new Date(x.appliedAt).toLocaleString() : ''), el('td', {}, button));
    }),
    6,
    'No policies.',
  );
}

async function showHistory(x) {
  const box = $('history');
  box.hidden = false;
  $('history-h').textContent = `History of ${x.kind} ${x.namespace}/${x.name}`;
  const list = $('history-list');
  list.replaceChildren(el('li', {}, 'Loading…'));
  const q = new URLSearchParams({ kind: x.kind, namespace: x.namespace, name: x.name });
  try {
    const res = await fetch(`/api/policy-history?${q}`);
    if (!res.ok) throw new Error(await res.text());
    const h = await res.json();
    list.replaceChildren(
      ...h.entries.map((e) => {
        const pre = el('pre', { class: 'diff', 'aria-label': `Changes in revision ${e.revision}` });
        for (const line of e.diff.length ? e.diff : ['  (no change)']) pre.append(el('span', { class: line[0] === '+' ? 'add' : line[0] === '-' ? 'del' : 'ctx' }, line));
        return el('li', {}, el('strong', {}, `revision ${e.revision}`), ` ${e.action} by ${e.principal} at ${new Date(e.time).toLocaleString()}`, pre);
      }),
    );
  } catch (err) {
    list.replaceChildren(el('li', { class: 'error' }, `Could not load the history: ${err.message}`));
  }
  $('history-h').focus();
}

/** 93784 → "1 d 2 h"; negative → "expired". */
function timeLeft(seconds) {
  if (seconds <= 0) return 'expired';
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
  if (d >= 1) return h ? `${d} d ${h} h` : `${d} d`;
  if (h >= 1) return m ? `${h} h ${m} min` : `${h} h`;
  return m >= 1 ? `${m} min` : `${seconds} s`;
}
const when = (iso) => new Date(iso).toLocaleString();
/** "ab12cd…" in the table, the whole fingerprint as title and for screen readers. */
function fingerprint(hex) {
  const pairs = hex.match(/../g) || [];
  return el('code', { title: pairs.join(':'), 'aria-label': `fingerprint ${pairs.join(':')}` }, `${pairs.slice(0, 8).join(':')}…`);
}

function renderIdentity(i) {
  $('identity-text').textContent = i.message;
  const body = $('identity-body');
  const s = i.configured ? i.status : null;
  showError('identity-error', i.configured ? i.error : null);
  body.hidden = !s;
  $('identity').dataset.state = !i.configured ? 'unconfigured' : s ? 'ok' : i.error ? 'error' : 'loading';
  if (!s) return;
  $('identity-domain').textContent = s.trustDomain;
  const w = s.soonestWorkload;
  $('identity-soonest').replaceChildren(
    ...(w
      ? [el('span', { class: 'spiffe' }, w.spiffeId), ` — ${when(w.notAfter)} (`, el('span', { class: w.secondsLeft <= 0 ? 'left low' : 'left' }, timeLeft(w.secondsLeft)), ')']
      : ['none issued']),
  );
  $('identity-live').textContent = String(s.liveCertificates);
  $('identity-revoked').textContent = String(s.revokedTokens);
  fillBody(
    $('ca-table'),
    s.certificates.map((c) =>
      el(
        'tr',
        { 'data-kind': c.kind, 'data-low': c.low ? 'true' : 'false' },
        el('td', {}, c.kind, c.cluster ? el('span', { class: 'detail' }, `cluster ${c.cluster}`) : null),
        el('th', { scope: 'row' }, c.subject),
        el('td', {}, when(c.notAfter)),
        el('td', { class: 'num' }, el('span', { class: c.low ? 'left low' : 'left' }, timeLeft(c.secondsLeft)), c.low ? el('span', { class: 'visually-hidden' }, ' (running out)') : null),
        el('td', {}, fingerprint(c.fingerprint)),
      ),
    ),
    5,
    'No CA certificates reported.',
  );
}

const renderers = { topology: renderTopology, proxies: renderProxies, rollouts: renderRollouts, policies: renderPolicies, identity: renderIdentity };
let lastAnnounce = 0;
function connect() {
  const source = new EventSource('/events');
  source.addEventListener('open', () => {
    $('conn').classList.add('on');
    $('status').textContent = 'Live';
  });
  source.addEventListener('error', () => {
    $('conn').classList.remove('on');
    $('status').textContent = 'Reconnecting…';
  });
  for (const [topic, render] of Object.entries(renderers)) {
    source.addEventListener(topic, (ev) => {
      render(JSON.parse(ev.data));
      document.body.dataset[`${topic}Updated`] = String(Date.now());
      // Announce rollouts to screen readers through their own live list; the status line says
      // "updated" at most every 10 s so it does not chatter.
      if (Date.now() - lastAnnounce > 10_000) {
        lastAnnounce = Date.now();
        $('status').textContent = `Live — updated ${new Date().toLocaleTimeString()}`;
      }
    });
  }
}
connect();
