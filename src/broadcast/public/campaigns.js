// Campaign compose page (/console/campaigns). Talks only to /api/campaigns; signs in through the
// console. No inline scripts (CSP); every text comes from texts.json (locales/*/broadcast.json).
(() => {
  const API = '/api/campaigns';
  const LANGS = ['kk', 'ru', 'en'];
  const $ = (id) => document.getElementById(id);
  let csrf = '';
  let T = {};
  let current = null;
  let poll = null;

  const lang = (() => {
    const q = new URLSearchParams(location.search).get('lang');
    if (LANGS.includes(q)) return q;
    const nav = (navigator.language || 'ru').slice(0, 2);
    return LANGS.includes(nav) ? nav : 'ru';
  })();

  const t = (key, params = {}) =>
    (T[key] || key).replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) =>
      name in params ? String(params[name]) : '',
    );

  function showError(err) {
    $('error').textContent = t('error', { error: err?.message ? err.message : String(err) });
  }

  async function api(method, path, body) {
    const headers = { 'Content-Type': 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    const res = await fetch(API + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
    if (!res.ok) {
      const e = new Error(data.error || `HTTP ${res.status}`);
      e.status = res.status;
      e.data = data;
      throw e;
    }
    return data;
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function formInput() {
    const f = $('form').elements;
    const texts = {};
    const label = {};
    for (const l of LANGS) {
      if (f[`text_${l}`].value.trim()) texts[l] = f[`text_${l}`].value;
      if (f[`label_${l}`].value.trim()) label[l] = f[`label_${l}`].value;
    }
    const checked = (name) =>
      [...document.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
    const url = f.url.value.trim();
    return {
      name: f.name.value,
      texts,
      link: url ? { label, url } : null,
      filter: {
        langs: checked('lang'),
        channels: checked('channel'),
        sources: f.sources.value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      },
      sendAt: f.sendAt.value ? new Date(f.sendAt.value).getTime() : null,
    };
  }

  function renderPreviews(target, previews, texts) {
    target.replaceChildren();
    for (const p of previews) {
      if (texts && !texts[p.lang]) continue;
      const box = el('div', undefined, 'preview');
      box.append(el('strong', p.lang));
      box.append(el('p', t('lock_screen')));
      box.append(el('div', p.lockScreen, 'lock'));
      if (!p.neutral) box.append(el('p', t('not_neutral', { words: p.flagged.join(', ') }), 'warn'));
      box.append(el('p', p.full, 'full'));
      target.append(box);
    }
  }

  async function preview() {
    $('error').textContent = '';
    try {
      const input = formInput();
      const { previews, recipients } = await api('POST', '/preview', input);
      renderPreviews($('previews'), previews, input.texts);
      $('previews').prepend(el('p', t('recipients', { count: recipients })));
    } catch (err) {
      showError(err);
    }
  }

  async function save(event) {
    event.preventDefault();
    $('error').textContent = '';
    try {
      const { campaign } = await api('POST', '', formInput());
      await open(campaign.id);
      await list();
    } catch (err) {
      showError(err);
    }
  }

  async function open(id) {
    const data = await api('GET', `/${id}`);
    current = data;
    $('campaign').hidden = false;
    $('campaign-name').textContent = data.campaign.name;
    $('campaign-status').textContent = data.campaign.status;
    renderPreviews($('campaign-previews'), data.previews, data.campaign.texts);
    const draft = data.campaign.status === 'draft';
    $('recipients').textContent = data.recipients === null ? '' : t('recipients', { count: data.recipients });
    $('confirm-btn').hidden = !draft;
    $('confirm-btn').textContent = t('confirm', { count: data.recipients ?? 0 });
    $('pause-btn').hidden = !['running', 'scheduled'].includes(data.campaign.status);
    $('resume-btn').hidden = data.campaign.status !== 'paused';
    $('cancel-btn').hidden = ['done', 'cancelled'].includes(data.campaign.status);
    showProgress(data.progress);
    clearInterval(poll);
    if (['running', 'paused', 'scheduled'].includes(data.campaign.status)) poll = setInterval(refresh, 1000);
  }

  async function refresh() {
    if (!current) return;
    try {
      const p = await api('GET', `/${current.campaign.id}/progress`);
      showProgress(p);
      if (p.status !== current.campaign.status) await open(current.campaign.id);
    } catch (err) {
      showError(err);
    }
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m > 0 ? `${m} min ${s} s` : `${s} s`;
  }

  function showProgress(p) {
    if (!p?.total) {
      $('progress').hidden = true;
      return;
    }
    const c = p.counts;
    $('progress').hidden = false;
    const pct = (n) => `${((n / p.total) * 100).toFixed(1)}%`;
    $('bar-sent').style.width = pct(c.sent);
    $('bar-other').style.width = pct(c.failed + c.blocked + c.unknown + c.skipped);
    document
      .querySelector('.bar')
      .setAttribute('aria-valuenow', String(Math.round(((p.total - p.remaining) / p.total) * 100)));
    $('progress-line').textContent = t('progress', {
      sent: c.sent,
      failed: c.failed,
      blocked: c.blocked,
      unknown: c.unknown,
      remaining: p.remaining,
    });
    $('rate-line').textContent =
      p.status === 'done' || p.status === 'cancelled'
        ? `${t('report')}: ${p.total} · ${new Date(p.finishedAt || Date.now()).toLocaleString()}`
        : t('rate', { rate: p.rate.toFixed(1), left: duration(p.secondsLeft) });
  }

  async function act(action) {
    if (!current) return;
    $('error').textContent = '';
    try {
      if (action === 'cancel' && !window.confirm(t('cancel_question'))) return;
      if (action === 'confirm') {
        const { recipients } = await api('GET', `/${current.campaign.id}/audience`);
        if (!window.confirm(t('confirm_question', { count: recipients }))) return;
        await api('POST', `/${current.campaign.id}/confirm`, { recipients });
      } else {
        await api('POST', `/${current.campaign.id}/${action}`);
      }
      await open(current.campaign.id);
      await list();
    } catch (err) {
      showError(err);
    }
  }

  async function testSend() {
    if (!current) return;
    try {
      await api('POST', `/${current.campaign.id}/test`, { lang: $('test-lang').value });
      $('link-hint').textContent = t('test_sent');
    } catch (err) {
      showError(err);
    }
  }

  async function linkChat() {
    try {
      const { command } = await api('POST', '/link-code');
      $('link-hint').textContent = t('link_hint', { command });
    } catch (err) {
      showError(err);
    }
  }

  async function list() {
    const { campaigns, hours } = await api('GET', '');
    $('hours').textContent = t('hours', { hours: hours.label, zone: hours.timeZone });
    const ul = $('list');
    ul.replaceChildren();
    if (campaigns.length === 0) ul.append(el('li', t('none')));
    for (const c of campaigns) {
      const li = el('li', `${c.name} — ${c.status}`);
      li.tabIndex = 0;
      li.addEventListener('click', () => open(c.id).catch(showError));
      li.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') open(c.id).catch(showError);
      });
      ul.append(li);
    }
  }

  async function start() {
    document.documentElement.lang = lang;
    const texts = await (await fetch('/console/campaigns/texts.json')).json();
    T = texts[lang] || texts.ru;
    for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
    document.title = `Tirek — ${t('title')}`;
    try {
      const me = await (await fetch('/api/me', { credentials: 'same-origin' })).json();
      csrf = me.csrf || '';
    } catch {
      csrf = '';
    }
    $('form').addEventListener('submit', save);
    $('preview-btn').addEventListener('click', preview);
    $('confirm-btn').addEventListener('click', () => act('confirm'));
    $('pause-btn').addEventListener('click', () => act('pause'));
    $('resume-btn').addEventListener('click', () => act('resume'));
    $('cancel-btn').addEventListener('click', () => act('cancel'));
    $('test-btn').addEventListener('click', testSend);
    $('link-btn').addEventListener('click', linkChat);
    await list().catch(showError);
  }

  start().catch(showError);
})();
