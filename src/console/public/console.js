// Tirek counsellor console. Talks only to the JSON API (docs/console-api.md); builds every element
// with textContent (never innerHTML with data), so nothing a person wrote can run as code.
(() => {
  const TEXTS = JSON.parse(document.getElementById('console-texts').textContent);
  const LANGS = ['kk', 'ru', 'en'];
  /** The counsellor's own choice, for this tab only (sessionStorage dies with the tab). */
  const LANG_KEY = 'tirek.console.lang';
  const RISKS_ALERTING = ['immediate', 'high'];
  const OUTCOMES = ['resolved', 'referred', 'no_response', 'safety_plan', 'other'];
  const MEDIA =
    /^\[(sticker|photo|voice|audio|video|video_note|document|location|contact|poll|edited|forwarded|call|other)\]$/;
  /** The queue is re-read this often anyway (waiting times, web-chat presence). */
  const REFRESH_MS = 30_000;

  const main = document.getElementById('main');
  const flash = document.getElementById('flash');
  const langSelect = document.getElementById('lang');
  const alertBox = document.getElementById('alert');
  const alertText = document.getElementById('alert-text');
  const dutyButton = document.getElementById('duty');

  const state = {
    me: null,
    csrf: null,
    queue: null,
    queueAt: 0,
    events: null,
    alerted: new Set(),
    alertFor: null,
    conversation: null,
    canned: null,
    counsellors: null,
    timers: [],
    lastCount: null,
  };
  // What the end-to-end test reads: how often the alert tone started, and the audio state.
  const probe = { alerts: 0, tones: 0, audioState: 'none' };
  window.tirekConsole = probe;

  // ---------- texts ----------
  let lang = pickLang();

  function pickLang() {
    const url = new URL(window.location.href).searchParams.get('lang');
    let saved = null;
    try {
      saved = window.sessionStorage.getItem(LANG_KEY);
    } catch {
      saved = null;
    }
    const browser = (navigator.language || '').slice(0, 2);
    return [url, saved, browser].find((l) => LANGS.includes(l)) || 'ru';
  }

  function lookup(table, key) {
    return key
      .split('.')
      .reduce((node, part) => (node && typeof node === 'object' ? node[part] : undefined), table);
  }

  function t(key, params) {
    let text = lookup(TEXTS[lang], key);
    if (typeof text !== 'string') text = lookup(TEXTS.en, key);
    if (typeof text !== 'string') return key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name) =>
      params && name in params ? String(params[name]) : '',
    );
  }

  function applyStaticTexts() {
    document.documentElement.lang = lang;
    document.title = t('title');
    langSelect.value = lang;
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    for (const el of document.querySelectorAll('[data-t-label]'))
      el.setAttribute('aria-label', t(el.dataset.tLabel));
    renderDuty();
  }

  langSelect.addEventListener('change', () => {
    if (!LANGS.includes(langSelect.value)) return;
    lang = langSelect.value;
    try {
      window.sessionStorage.setItem(LANG_KEY, lang);
    } catch {
      // private mode: the choice lasts until reload
    }
    applyStaticTexts();
    if (state.alertFor) showAlert(state.alertFor);
    if (state.me) route();
    else renderLogin();
  });

  // ---------- DOM helper ----------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
    for (const child of children.flat(Number.POSITIVE_INFINITY)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /** replaceChildren, skipping the null / false of optional parts (replaceChildren would print "null"). */
  function fill(el, ...kids) {
    el.replaceChildren(
      ...kids.flat(Number.POSITIVE_INFINITY).filter((k) => k !== null && k !== undefined && k !== false),
    );
  }

  function say(text) {
    flash.textContent = text;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => {
      flash.textContent = '';
    }, 6000);
  }

  function fmtDuration(ms) {
    const minutes = Math.floor(Math.max(0, ms) / 60_000);
    if (minutes < 1) return t('time.now');
    if (minutes < 60) return t('time.minutes', { m: minutes });
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return t('time.hours', { h: hours, m: minutes % 60 });
    return t('time.days', { d: Math.floor(hours / 24), h: hours % 24 });
  }

  function fmtTime(at) {
    if (!at) return '';
    try {
      return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(at));
    } catch {
      return new Date(at).toISOString();
    }
  }

  /** The console's text for `key` if it has one, else the value as given. */
  function known(key, fallback) {
    const text = t(key);
    return text === key ? String(fallback) : text;
  }

  function messageText(text) {
    const m = MEDIA.exec(text || '');
    return m ? `[${t(`media.${m[1]}`)}]` : text;
  }

  // ---------- API ----------
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      say(t('error.network'));
      throw new Error('network');
    }
    let data = null;
    if (res.status !== 204) data = await res.json().catch(() => null);
    if (res.status === 401 && path !== '/api/login' && state.me) {
      endSession('login.expired');
      throw new Error('unauthorised');
    }
    return { status: res.status, ok: res.ok, data };
  }

  /** Shows the API's own message for a refused action, in the console's words where we know them. */
  function refused(r) {
    const reason = r.data?.reason;
    if (reason) return say(t(`conversation.${reason}`));
    if (r.status === 403) return say(t('error.forbidden'));
    say(r.data?.error || t('error.generic'));
  }

  // ---------- alert (visible banner + a short tone, only on duty) ----------
  let audio = null;
  /** Audio may only start after a gesture: every click on login and duty unlocks it. */
  function unlockAudio() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) audio = new Ctx();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    probe.audioState = audio.state;
    return audio;
  }

  function playTone() {
    const ctx = unlockAudio();
    if (!ctx) return;
    const start = ctx.currentTime + 0.01;
    [
      [0, 880],
      [0.22, 660],
      [0.44, 880],
    ].forEach(([offset, freq]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.2);
    });
    probe.tones++;
    probe.audioState = ctx.state;
  }

  function showAlert(row) {
    state.alertFor = row;
    alertText.textContent = t(`alert.${row.risk}`, { alias: row.alias });
    alertBox.className = `alert alert-${row.risk}`;
    alertBox.hidden = false;
  }

  function hideAlert() {
    state.alertFor = null;
    alertBox.hidden = true;
  }

  document.getElementById('alert-dismiss').addEventListener('click', hideAlert);
  document.getElementById('alert-open').addEventListener('click', () => {
    const row = state.alertFor;
    hideAlert();
    if (row) window.location.hash = `#/c/${row.id}`;
  });

  /** A person waiting at immediate or high risk, not yet alerted: banner and tone (on duty only). */
  function checkAlerts() {
    if (!state.me?.onDuty || !state.queue) return;
    for (const row of state.queue.waiting) {
      if (!RISKS_ALERTING.includes(row.risk) || state.alerted.has(row.id)) continue;
      state.alerted.add(row.id);
      probe.alerts++;
      showAlert(row);
      playTone();
    }
    // a person no longer waiting needs no banner
    if (state.alertFor && !state.queue.waiting.some((r) => r.id === state.alertFor.id)) hideAlert();
  }

  // ---------- duty ----------
  function renderDuty() {
    const on = !!state.me?.onDuty;
    dutyButton.setAttribute('aria-pressed', String(on));
    dutyButton.classList.toggle('on', on);
    document.getElementById('duty-state').textContent = t(on ? 'duty.on' : 'duty.off');
    dutyButton.title = t(on ? 'duty.on' : 'duty.off');
  }

  dutyButton.addEventListener('click', async () => {
    unlockAudio();
    const next = !state.me.onDuty;
    const r = await api('POST', '/api/duty', { onDuty: next });
    if (!r.ok) return refused(r);
    state.me.onDuty = !!r.data?.onDuty;
    renderDuty();
    say(t(state.me.onDuty ? 'duty.on' : 'duty.off'));
    if (state.me.onDuty) checkAlerts();
    else hideAlert();
  });

  // ---------- session ----------
  async function boot() {
    applyStaticTexts();
    const r = await api('GET', '/api/me').catch(() => null);
    if (r?.ok && r.data?.user) startSession(r.data);
    else renderLogin();
  }

  function startSession(data) {
    state.me = data.user;
    state.csrf = data.csrf;
    document.getElementById('session').hidden = false;
    const nav = document.getElementById('nav');
    nav.hidden = false;
    for (const a of nav.querySelectorAll('[data-admin]')) a.hidden = state.me.role !== 'admin';
    document.getElementById('whoami').textContent = t('signed_in', { name: state.me.displayName });
    renderDuty();
    connectEvents();
    state.timers.push(setInterval(() => void loadQueue(), REFRESH_MS));
    if (!window.location.hash || window.location.hash === '#/login') window.location.hash = '#/queue';
    loadQueue().then(route);
  }

  function endSession(messageKey) {
    state.me = null;
    state.csrf = null;
    state.alerted.clear();
    hideAlert();
    state.events?.close();
    state.events = null;
    for (const timer of state.timers.splice(0)) clearInterval(timer);
    document.getElementById('session').hidden = true;
    document.getElementById('nav').hidden = true;
    renderLogin(messageKey);
  }

  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout').catch(() => null);
    endSession();
  });

  function renderLogin(messageKey) {
    const error = h(
      'p',
      { class: 'error', id: 'login-error', role: 'alert' },
      messageKey ? t(messageKey) : '',
    );
    const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
    const pass = h('input', {
      id: 'password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const form = h(
      'form',
      { class: 'login card', id: 'login-form', 'aria-describedby': 'login-error' },
      h('h2', { text: t('login.heading') }),
      h('label', { for: 'username', text: t('login.username') }),
      user,
      h('label', { for: 'password', text: t('login.password') }),
      pass,
      error,
      h('button', { type: 'submit', class: 'primary', text: t('login.submit') }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      unlockAudio();
      const r = await api('POST', '/api/login', { username: user.value, password: pass.value }).catch(
        () => null,
      );
      if (!r) return;
      if (r.ok && r.data?.user) {
        pass.value = '';
        startSession(r.data);
        return;
      }
      error.textContent = t(r.status === 429 ? 'login.limited' : 'login.failed');
      pass.value = '';
      pass.focus();
    });
    fill(main, form);
    user.focus();
  }

  // ---------- live updates ----------
  function setLive(on) {
    const live = document.getElementById('live');
    live.textContent = t(on ? 'live.on' : 'live.off');
    live.classList.toggle('off', !on);
  }

  function connectEvents() {
    state.events?.close();
    const events = new EventSource('/api/events');
    state.events = events;
    events.onopen = () => {
      setLive(true);
      void loadQueue();
    };
    events.onerror = () => setLive(false);
    events.addEventListener('queue', () => void loadQueue());
    events.addEventListener('alert', () => void loadQueue());
    events.addEventListener('conversation', (e) => {
      let id = null;
      try {
        id = JSON.parse(e.data).id;
      } catch {
        id = null;
      }
      if (state.conversation && Number(id) === state.conversation.id)
        void loadConversation(state.conversation.id);
      void loadQueue();
    });
  }

  // ---------- routing ----------
  window.addEventListener('hashchange', () => route());

  function route() {
    if (!state.me) return;
    const hash = window.location.hash || '#/queue';
    for (const a of document.querySelectorAll('#nav [data-route]')) {
      if (hash.startsWith(`#/${a.dataset.route}`)) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    clearInterval(state.whatsappTimer);
    const conv = /^#\/c\/(\d+)$/.exec(hash);
    if (conv) return void openConversation(Number(conv[1]));
    state.conversation = null;
    const admin = state.me.role === 'admin';
    if (hash === '#/users' && admin) return void renderUsers();
    if (hash === '#/audit' && admin) return void renderAudit();
    if (hash === '#/canned' && admin) return void renderCannedAdmin();
    if (hash === '#/directory' && admin) return void renderDirectory();
    if (hash === '#/whatsapp' && admin) return void renderWhatsapp();
    renderQueue();
  }

  // ---------- queue ----------
  let queueRequests = 0;
  let queueApplied = 0;

  async function loadQueue() {
    if (!state.me) return;
    const seq = ++queueRequests;
    const r = await api('GET', '/api/queue').catch(() => null);
    if (!r?.ok || !r.data || seq < queueApplied) return;
    queueApplied = seq;
    state.queue = { waiting: r.data.waiting || [], active: r.data.active || [] };
    state.queueAt = Date.now();
    checkAlerts();
    if (!state.conversation && (window.location.hash || '#/queue') === '#/queue') renderQueue();
  }

  function badge(cls, text, label) {
    return h('span', { class: `badge ${cls}`, title: label }, text);
  }

  function riskBadge(risk) {
    return badge(`risk risk-${risk || 'none'}`, t(`risk.${risk || 'none'}`));
  }

  /** "3 of 11 answered yes: Threatened to kill …" — question labels only, never the person's words. */
  function summaryText(summary) {
    if (typeof summary === 'string') return summary;
    const items = (summary.items || []).map((item) => known(`item.${item}`, item));
    const head = t('queue.summary', { yes: summary.yes ?? 0, asked: summary.asked ?? 0 });
    return items.length ? `${head}: ${items.join(', ')}` : head;
  }

  function rowItem(row, place) {
    const since = Date.now() - state.queueAt;
    const meta = [
      t(`channel.${row.channel}`),
      row.lang ? row.lang.toUpperCase() : null,
      t(`who.${row.who || 'none'}`),
      row.waitingMs != null ? t('queue.waiting_time', { time: fmtDuration(row.waitingMs + since) }) : null,
      row.waitingMs == null && row.lastMessageAt
        ? t('queue.last_message', { time: fmtDuration(Date.now() - row.lastMessageAt) })
        : null,
      row.assignee ? t('with', { name: row.assignee.displayName }) : null,
    ].filter(Boolean);
    return h(
      'li',
      { class: `row risk-${row.risk || 'none'}${row.sos ? ' has-sos' : ''}`, 'data-id': row.id },
      h(
        'div',
        { class: 'row-head' },
        place ? h('span', { class: 'place', text: t('queue.place', { n: place }) }) : null,
        h('strong', { class: 'alias', text: row.alias }),
        riskBadge(row.risk),
        row.sos ? badge('sos', t('sos')) : null,
        row.blocked ? badge('blocked', t('conversation.blocked')) : null,
        row.status !== 'queued' ? badge('status', t(`status.${row.status}`)) : null,
        row.connected === true ? badge('connected', t('connected.yes')) : null,
        row.connected === false ? badge('disconnected', t('connected.no')) : null,
      ),
      h('p', { class: 'row-meta', text: meta.join(' · ') }),
      row.summary ? h('p', { class: 'row-summary', text: summaryText(row.summary) }) : null,
      h('button', {
        type: 'button',
        class: 'open',
        'aria-label': `${t('queue.open')}: ${row.alias}`,
        text: t('queue.open'),
        onclick: () => {
          window.location.hash = `#/c/${row.id}`;
        },
      }),
    );
  }

  function renderQueue() {
    const q = state.queue || { waiting: [], active: [] };
    const count = h(
      'p',
      { class: 'count', id: 'queue-count', 'aria-live': 'polite' },
      t('queue.announce', { count: q.waiting.length }),
    );
    const waiting = h(
      'section',
      { class: 'queue', 'aria-labelledby': 'waiting-h' },
      h('h2', { id: 'waiting-h', text: t('queue.waiting') }),
      count,
      q.waiting.length
        ? h(
            'ol',
            { class: 'rows', id: 'waiting' },
            q.waiting.map((row, i) => rowItem(row, i + 1)),
          )
        : h('p', { class: 'empty', text: t('queue.empty_waiting') }),
    );
    const active = h(
      'section',
      { class: 'queue', 'aria-labelledby': 'active-h' },
      h('h2', { id: 'active-h', text: t('queue.active') }),
      h('p', { class: 'hint', text: t('queue.active_hint') }),
      q.active.length
        ? h(
            'ul',
            { class: 'rows', id: 'active' },
            q.active.map((row) => rowItem(row)),
          )
        : h('p', { class: 'empty', text: t('queue.empty_active') }),
    );
    // keep the keyboard where it was when the list is redrawn
    const focused = document.activeElement?.closest?.('li.row')?.dataset.id;
    fill(main, h('div', { class: 'queues' }, waiting, active));
    if (focused) main.querySelector(`li.row[data-id="${focused}"] button.open`)?.focus();
  }

  // ---------- conversation ----------
  function isOwner(c) {
    return c.status === 'counsellor' && c.assignee && c.assignee.id === state.me.id;
  }

  async function openConversation(id) {
    state.conversation = { id, data: null };
    fill(main, h('p', { class: 'loading', text: '…' }));
    if (!state.canned) {
      api('GET', '/api/canned')
        .then((r) => {
          state.canned = r.ok ? r.data?.canned || [] : [];
        })
        .catch(() => {});
    }
    if (!state.counsellors) {
      api('GET', '/api/counsellors')
        .then((r) => {
          state.counsellors = r.ok ? r.data?.counsellors || [] : [];
        })
        .catch(() => {});
    }
    await loadConversation(id, true);
  }

  let conversationRequests = 0;
  let conversationApplied = 0;

  async function loadConversation(id, first) {
    // live updates and actions both reload: an older answer arriving late must not win
    const seq = ++conversationRequests;
    const r = await api('GET', `/api/conversations/${id}`).catch(() => null);
    if (!state.conversation || state.conversation.id !== id || seq < conversationApplied) return;
    if (!r?.ok) {
      // a failed refresh keeps what is shown; only a first load shows the error instead
      if (!first && main.querySelector('#conversation'))
        return void say(r?.data?.error || t('error.generic'));
      fill(main, h('p', { class: 'error', text: r?.data?.error || t('error.generic') }), backButton());
      return;
    }
    conversationApplied = seq;
    state.conversation.data = r.data;
    const fresh = first || !main.querySelector('#conversation');
    if (fresh) renderConversationShell();
    fillConversation();
    // a new view: the keyboard and screen readers start at its heading
    if (fresh) main.querySelector('#conv-alias')?.focus();
  }

  function backButton() {
    return h('button', {
      type: 'button',
      class: 'back',
      text: `← ${t('conversation.back')}`,
      onclick: () => {
        window.location.hash = '#/queue';
      },
    });
  }

  async function act(path, body) {
    const id = state.conversation?.id;
    if (!id) return null;
    const r = await api('POST', `/api/conversations/${id}/${path}`, body).catch(() => null);
    if (!r) return null;
    if (!r.ok) {
      refused(r);
      return null;
    }
    await loadConversation(id);
    void loadQueue();
    return r;
  }

  function renderConversationShell() {
    const reply = h('textarea', { id: 'reply', rows: 3, maxlength: 4000, 'aria-describedby': 'reply-hint' });
    const cannedButton = h('button', {
      type: 'button',
      id: 'canned-toggle',
      'aria-haspopup': 'true',
      'aria-expanded': 'false',
      'aria-controls': 'canned-list',
      'aria-keyshortcuts': 'Alt+K',
      text: `${t('conversation.canned')} (Alt+K)`,
    });
    const cannedList = h('div', { id: 'canned-list', class: 'canned-list', hidden: true });
    const replyForm = h(
      'form',
      { id: 'reply-form', class: 'reply' },
      h('label', { for: 'reply', text: t('conversation.reply_label') }),
      reply,
      h('p', { id: 'reply-hint', class: 'hint' }),
      h(
        'div',
        { class: 'reply-actions' },
        cannedButton,
        h('button', { type: 'submit', class: 'primary', id: 'send', text: t('conversation.send') }),
      ),
      cannedList,
    );
    const toggleCanned = (open) => {
      const show = open ?? cannedList.hidden;
      cannedList.hidden = !show;
      cannedButton.setAttribute('aria-expanded', String(show));
      if (show) {
        const c = state.conversation?.data?.conversation;
        const items = state.canned || [];
        fill(
          cannedList,
          items.length
            ? h(
                'ul',
                {},
                items.map((item) =>
                  h(
                    'li',
                    {},
                    h('button', {
                      type: 'button',
                      class: 'canned-item',
                      text: item.title,
                      onclick: () => {
                        const text = item.text?.[c?.lang || lang] || item.text?.ru || '';
                        reply.value = reply.value ? `${reply.value}\n${text}` : text;
                        toggleCanned(false);
                        reply.focus();
                      },
                    }),
                  ),
                ),
              )
            : h('p', { class: 'empty', text: t('conversation.no_canned') }),
        );
        cannedList.querySelector('button')?.focus();
      }
    };
    cannedButton.addEventListener('click', () => toggleCanned());
    replyForm.addEventListener('keydown', (e) => {
      if (e.altKey && (e.key === 'k' || e.key === 'K' || e.code === 'KeyK')) {
        e.preventDefault();
        toggleCanned();
      } else if (e.key === 'Escape' && !cannedList.hidden) {
        toggleCanned(false);
        cannedButton.focus();
      }
    });
    replyForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = reply.value.trim();
      if (!text) return;
      const r = await act('reply', { text });
      if (r) {
        reply.value = '';
        say(t('conversation.sent_ok'));
        reply.focus();
      }
    });

    const note = h('textarea', { id: 'note', rows: 2, maxlength: 4000 });
    const noteForm = h(
      'form',
      { id: 'note-form', class: 'note-form' },
      h('label', { for: 'note', text: t('conversation.note_label') }),
      note,
      h('button', { type: 'submit', text: t('conversation.add_note') }),
    );
    noteForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = note.value.trim();
      if (!text) return;
      const r = await act('notes', { text });
      if (r) {
        note.value = '';
        say(t('conversation.note_saved'));
      }
    });

    fill(
      main,
      h(
        'article',
        { id: 'conversation', class: 'conversation' },
        h('div', { class: 'conv-top' }, backButton(), h('div', { id: 'conv-head', class: 'conv-head' })),
        h('div', {
          id: 'conv-actions',
          class: 'conv-actions',
          role: 'group',
          'aria-label': t('conversation.actions'),
        }),
        h(
          'div',
          { class: 'conv-body' },
          h(
            'section',
            { class: 'transcript-wrap', 'aria-labelledby': 'transcript-h' },
            h('h3', { id: 'transcript-h', text: t('conversation.transcript') }),
            h('ol', {
              id: 'transcript',
              class: 'transcript',
              'aria-live': 'polite',
              'aria-relevant': 'additions',
            }),
            replyForm,
          ),
          h(
            'aside',
            { class: 'side' },
            h(
              'section',
              { class: 'screening', 'aria-labelledby': 'screening-h' },
              h('h3', { id: 'screening-h', text: t('conversation.screening') }),
              h('div', { id: 'screening' }),
            ),
            h(
              'section',
              { class: 'notes', 'aria-labelledby': 'notes-h' },
              h('h3', { id: 'notes-h', text: t('conversation.notes') }),
              h('p', { class: 'hint', text: t('conversation.notes_hint') }),
              h('ul', { id: 'notes' }),
              noteForm,
            ),
            h(
              'section',
              { class: 'earlier', 'aria-labelledby': 'earlier-h' },
              h('h3', { id: 'earlier-h', text: t('conversation.earlier') }),
              h('ul', { id: 'earlier' }),
            ),
          ),
        ),
      ),
    );
  }

  function fillConversation() {
    const data = state.conversation.data;
    const c = data.conversation;
    const owner = isOwner(c);
    const head = main.querySelector('#conv-head');
    fill(
      head,
      h('h2', { id: 'conv-alias', tabindex: '-1', text: c.alias }),
      h(
        'p',
        { class: 'badges' },
        badge('status', t(`status.${c.status}`)),
        riskBadge(c.risk),
        c.sos ? badge('sos', t('sos')) : null,
        c.blocked ? badge('blocked', t('conversation.blocked')) : null,
        badge('channel', t(`channel.${c.channel}`)),
        c.lang ? badge('lang', c.lang.toUpperCase()) : null,
        badge('who', t(`who.${c.who || 'none'}`)),
        c.connected === true ? badge('connected', t('connected.yes')) : null,
        c.connected === false ? badge('disconnected', t('connected.no')) : null,
        c.assignee ? badge('assignee', t('with', { name: c.assignee.displayName })) : null,
      ),
      c.sos ? h('p', { class: 'sos-note', role: 'note', text: t('conversation.sos_seen') }) : null,
      c.channel === 'webchat' ? h('p', { class: 'hint', text: t('conversation.webchat_limit') }) : null,
    );

    const actions = main.querySelector('#conv-actions');
    const buttons = [];
    if (c.status !== 'closed' && !owner)
      buttons.push(
        h('button', {
          type: 'button',
          id: 'take',
          class: 'primary',
          text: t('conversation.take'),
          onclick: () => void act('take'),
        }),
      );
    if (owner) {
      const others = (state.counsellors || []).filter((u) => u.id !== state.me.id);
      if (others.length) {
        const select = h(
          'select',
          { id: 'transfer-to' },
          others.map((u) => h('option', { value: u.id, text: u.displayName })),
        );
        buttons.push(
          h(
            'span',
            { class: 'inline' },
            h('label', { for: 'transfer-to', text: t('conversation.transfer_to') }),
            select,
            h('button', {
              type: 'button',
              id: 'transfer',
              text: t('conversation.transfer'),
              onclick: () => void act('transfer', { to: Number(select.value) }),
            }),
          ),
        );
      }
      buttons.push(
        h('button', {
          type: 'button',
          id: 'handback',
          text: t('conversation.handback'),
          onclick: () => void act('handback'),
        }),
      );
      const outcome = h(
        'select',
        { id: 'outcome' },
        OUTCOMES.map((o) => h('option', { value: o, text: t(`outcome.${o}`) })),
      );
      buttons.push(
        h(
          'span',
          { class: 'inline' },
          h('label', { for: 'outcome', text: t('conversation.outcome') }),
          outcome,
          h('button', {
            type: 'button',
            id: 'close',
            text: t('conversation.close'),
            onclick: () => void act('close', { outcome: outcome.value }),
          }),
        ),
      );
    }
    // Blocking (a person who abuses the line): their messages are kept, only SOS is answered.
    if (c.blocked) {
      if (state.me.role === 'admin')
        buttons.push(
          h('button', {
            type: 'button',
            id: 'unblock',
            text: t('conversation.unblock'),
            onclick: () => void act('unblock'),
          }),
        );
    } else {
      const reason = h('input', { id: 'block-reason', maxlength: 500, autocomplete: 'off' });
      buttons.push(
        h(
          'details',
          { class: 'block' },
          h('summary', { text: t('conversation.block') }),
          h(
            'span',
            { class: 'inline' },
            h('label', { for: 'block-reason', text: t('conversation.block_reason') }),
            reason,
            h('button', {
              type: 'button',
              id: 'block',
              text: t('conversation.block'),
              onclick: () => {
                if (reason.value.trim()) void act('block', { reason: reason.value.trim() });
                else reason.focus();
              },
            }),
          ),
        ),
      );
    }
    // redraw the buttons only when they change, so a live update never takes the keyboard focus away
    const signature = `${c.status}:${c.assignee?.id ?? ''}:${owner}:${c.blocked}:${(state.counsellors || []).length}`;
    if (actions.dataset.signature !== signature) {
      actions.dataset.signature = signature;
      fill(actions, ...buttons);
    }

    const transcript = main.querySelector('#transcript');
    const msgs = data.transcript || [];
    fill(
      transcript,
      ...(msgs.length
        ? msgs.map((m) =>
            h(
              'li',
              { class: `msg from-${m.author}${m.sos ? ' sos' : ''}`, 'data-id': m.id },
              h(
                'p',
                { class: 'msg-meta' },
                h('span', {
                  class: 'author',
                  text: m.author === 'counsellor' && m.counsellor ? m.counsellor : t(`author.${m.author}`),
                }),
                h('time', { datetime: new Date(m.at).toISOString(), text: fmtTime(m.at) }),
                m.sos ? badge('sos', t('sos')) : null,
                m.delivery
                  ? h('span', {
                      class: `delivery delivery-${m.delivery}`,
                      text: t(`delivery.${m.delivery}`, { error: m.error || '' }),
                    })
                  : null,
              ),
              h('p', { class: 'msg-text', text: messageText(m.text) }),
            ),
          )
        : [h('li', { class: 'empty', text: t('conversation.empty') })]),
    );
    transcript.scrollTop = transcript.scrollHeight; // the newest message in view, the page stays put

    const reply = main.querySelector('#reply');
    const send = main.querySelector('#send');
    const hint = main.querySelector('#reply-hint');
    reply.disabled = !owner;
    send.disabled = !owner;
    hint.textContent = owner
      ? t('conversation.canned_hint')
      : t(c.status === 'closed' ? 'conversation.closed' : 'conversation.take_first');

    const screening = main.querySelector('#screening');
    const s = data.screening;
    fill(
      screening,
      s
        ? h(
            'div',
            {},
            h('p', { text: t('conversation.level', { level: t(`risk.${s.level || 'none'}`) }) }),
            h(
              'dl',
              { class: 'answers' },
              (s.answers || [])
                .filter((a) => a.answer !== 'skip')
                .map((a) => [
                  h('dt', { text: known(`item.${a.item}`, a.item) }),
                  h('dd', { class: `answer-${a.answer}`, text: known(`answer.${a.answer}`, a.answer) }),
                ]),
            ),
            (s.answers || []).some((a) => a.answer === 'skip')
              ? h('p', {
                  class: 'hint',
                  text: t('conversation.skipped', {
                    count: s.answers.filter((a) => a.answer === 'skip').length,
                  }),
                })
              : null,
          )
        : h('p', { class: 'empty', text: t('conversation.no_screening') }),
    );

    const notes = main.querySelector('#notes');
    const list = data.notes || [];
    fill(
      notes,
      ...(list.length
        ? list.map((n) =>
            h(
              'li',
              { class: 'note' },
              h(
                'p',
                { class: 'msg-meta' },
                h('span', { class: 'author', text: n.author }),
                h('time', { text: fmtTime(n.at) }),
              ),
              h('p', { class: 'msg-text', text: n.text }),
            ),
          )
        : [h('li', { class: 'empty', text: t('conversation.no_notes') })]),
    );

    const earlier = main.querySelector('#earlier');
    const cases = data.earlierCases || [];
    fill(
      earlier,
      ...(cases.length
        ? cases.map((e) =>
            h(
              'li',
              {},
              h('a', {
                href: `#/c/${e.id}`,
                text: t('conversation.earlier_case', {
                  from: fmtTime(e.createdAt),
                  to: fmtTime(e.closedAt),
                  outcome: e.outcome ? t(`outcome.${e.outcome}`) : '—',
                }),
              }),
            ),
          )
        : [h('li', { class: 'empty', text: t('conversation.no_earlier') })]),
    );
  }

  // ---------- admin: users ----------
  function field(id, label, input) {
    input.id = id;
    return h('p', { class: 'field' }, h('label', { for: id, text: label }), input);
  }

  function table(headers, rows) {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            headers.map((x) => h('th', { scope: 'col', text: x })),
          ),
        ),
        h('tbody', {}, rows),
      ),
    );
  }

  async function renderUsers() {
    const r = await api('GET', '/api/users').catch(() => null);
    const users = r?.ok ? r.data?.users || [] : [];
    const username = h('input', { required: true, autocomplete: 'off' });
    const displayName = h('input', { required: true, autocomplete: 'off' });
    const role = h(
      'select',
      {},
      h('option', { value: 'counsellor', text: t('users.role_counsellor') }),
      h('option', { value: 'admin', text: t('users.role_admin') }),
    );
    const password = h('input', {
      type: 'password',
      required: true,
      minlength: 12,
      autocomplete: 'new-password',
    });
    const form = h(
      'form',
      { class: 'card form', id: 'user-form' },
      h('h3', { text: t('users.create') }),
      field('u-username', t('users.username'), username),
      field('u-display', t('users.display_name'), displayName),
      field('u-role', t('users.role'), role),
      field('u-password', t('users.password'), password),
      h('button', { type: 'submit', class: 'primary', text: t('users.create') }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const res = await api('POST', '/api/users', {
        username: username.value,
        displayName: displayName.value,
        role: role.value,
        password: password.value,
      }).catch(() => null);
      if (!res) return;
      if (!res.ok) return refused(res);
      say(t('users.saved'));
      renderUsers();
    });
    const rows = users.map((u) => {
      const pw = h('input', {
        type: 'password',
        minlength: 12,
        autocomplete: 'new-password',
        'aria-label': t('users.new_password', { name: u.displayName }),
      });
      return h(
        'tr',
        {},
        h('td', { text: u.username }),
        h('td', { text: u.displayName }),
        h('td', { text: t(`users.role_${u.role}`) }),
        h('td', {
          text: [u.disabled ? t('users.disabled') : null, u.onDuty ? t('users.on_duty') : null]
            .filter(Boolean)
            .join(', '),
        }),
        h('td', { text: u.lastLoginAt ? fmtTime(u.lastLoginAt) : t('users.never') }),
        h(
          'td',
          { class: 'row-actions' },
          h('button', {
            type: 'button',
            text: t(u.disabled ? 'users.enable' : 'users.disable'),
            onclick: async () => {
              const res = await api('POST', `/api/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`).catch(
                () => null,
              );
              if (res && !res.ok) return refused(res);
              renderUsers();
            },
          }),
          pw,
          h('button', {
            type: 'button',
            text: t('users.reset'),
            onclick: async () => {
              const res = await api('POST', `/api/users/${u.id}/password`, { password: pw.value }).catch(
                () => null,
              );
              if (!res) return;
              if (!res.ok) return refused(res);
              pw.value = '';
              say(t('users.saved'));
            },
          }),
        ),
      );
    });
    fill(
      main,
      h(
        'section',
        { class: 'admin' },
        h('h2', { text: t('users.heading') }),
        table(
          [t('users.username'), t('users.display_name'), t('users.role'), '', t('users.last_login'), ''],
          rows,
        ),
        form,
      ),
    );
  }

  // ---------- admin: audit ----------
  async function renderAudit(before, append) {
    const q = new URLSearchParams({ limit: '50' });
    if (before) q.set('before', String(before));
    const r = await api('GET', `/api/audit?${q}`).catch(() => null);
    const entries = r?.ok ? r.data?.entries || [] : [];
    const rows = entries.map((e) =>
      h(
        'tr',
        {},
        h('td', { text: fmtTime(e.at) }),
        h('td', { text: e.actor }),
        h('td', { text: e.action }),
        h('td', { text: e.alias || '' }),
        h('td', { text: e.detail || '' }),
      ),
    );
    if (append) {
      main.querySelector('tbody')?.append(...rows);
    } else {
      fill(
        main,
        h(
          'section',
          { class: 'admin' },
          h('h2', { text: t('audit.heading') }),
          entries.length
            ? table(
                [t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.alias'), t('audit.detail')],
                rows,
              )
            : h('p', { class: 'empty', text: t('audit.empty') }),
          h('p', { id: 'audit-more' }),
        ),
      );
    }
    const more = main.querySelector('#audit-more');
    const last = entries.at(-1);
    if (more)
      fill(
        more,
        entries.length === 50 && last
          ? h('button', {
              type: 'button',
              text: t('audit.older'),
              onclick: () => void renderAudit(last.id, true),
            })
          : '',
      );
  }

  // ---------- admin: canned replies ----------
  function cannedForm(item, onDone) {
    const title = h('input', { required: true, value: item?.title || '' });
    const texts = Object.fromEntries(LANGS.map((l) => [l, h('textarea', { rows: 3, required: true })]));
    for (const l of LANGS) texts[l].value = item?.text?.[l] || '';
    const key = item ? `c${item.id}` : 'cnew';
    const form = h(
      'form',
      { class: 'card form' },
      field(`${key}-title`, t('canned_admin.title'), title),
      LANGS.map((l) => field(`${key}-${l}`, t(`canned_admin.text_${l}`), texts[l])),
      h('button', {
        type: 'submit',
        class: 'primary',
        text: t(item ? 'canned_admin.save' : 'canned_admin.create'),
      }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { title: title.value, text: Object.fromEntries(LANGS.map((l) => [l, texts[l].value])) };
      const res = await api(
        item ? 'PUT' : 'POST',
        item ? `/api/canned/${item.id}` : '/api/canned',
        body,
      ).catch(() => null);
      if (!res) return;
      if (!res.ok) return refused(res);
      state.canned = null;
      onDone();
    });
    return form;
  }

  async function renderCannedAdmin() {
    const r = await api('GET', '/api/canned').catch(() => null);
    const items = r?.ok ? r.data?.canned || [] : [];
    state.canned = items;
    fill(
      main,
      h(
        'section',
        { class: 'admin' },
        h('h2', { text: t('canned_admin.heading') }),
        h(
          'ul',
          { class: 'cards' },
          items.map((item) =>
            h(
              'li',
              { class: 'card' },
              h('h3', { text: item.title }),
              LANGS.map((l) =>
                h(
                  'p',
                  { class: 'canned-text' },
                  h('span', { class: 'badge lang', text: l.toUpperCase() }),
                  ' ',
                  item.text?.[l] || '',
                ),
              ),
              h(
                'details',
                {},
                h('summary', { text: t('canned_admin.edit') }),
                cannedForm(item, renderCannedAdmin),
              ),
              h('button', {
                type: 'button',
                text: t('canned_admin.delete'),
                onclick: async () => {
                  const res = await api('DELETE', `/api/canned/${item.id}`).catch(() => null);
                  if (res && !res.ok) return refused(res);
                  state.canned = null;
                  renderCannedAdmin();
                },
              }),
            ),
          ),
        ),
        h('h3', { text: t('canned_admin.create') }),
        cannedForm(null, renderCannedAdmin),
      ),
    );
  }

  // ---------- admin: help directory ----------
  function directoryForm(entry, onDone) {
    const key = entry ? `d${entry.id}` : 'dnew';
    const inputs = {
      region: h('input', { value: entry?.region || '' }),
      name_kk: h('input', { required: true, value: entry?.name?.kk || '' }),
      name_ru: h('input', { required: true, value: entry?.name?.ru || '' }),
      name_en: h('input', { required: true, value: entry?.name?.en || '' }),
      phone: h('input', { required: true, value: entry?.phone || '' }),
      hours: h('input', { value: entry?.hours || '' }),
      languages: h('input', {
        value: Array.isArray(entry?.languages) ? entry.languages.join(', ') : entry?.languages || '',
      }),
      source: h('input', { required: true, value: entry?.source || '' }),
      checkedOn: h('input', { type: 'date', required: true, value: entry?.checkedOn || '' }),
    };
    const labels = {
      region: t('directory.region'),
      name_kk: t('directory.name_kk'),
      name_ru: t('directory.name_ru'),
      name_en: t('directory.name_en'),
      phone: t('directory.phone'),
      hours: t('directory.hours'),
      languages: t('directory.languages'),
      source: t('directory.source'),
      checkedOn: t('directory.checked_on'),
    };
    const form = h(
      'form',
      { class: 'card form' },
      Object.entries(inputs).map(([k, input]) => field(`${key}-${k}`, labels[k], input)),
      h('button', {
        type: 'submit',
        class: 'primary',
        text: t(entry ? 'directory.save' : 'directory.create'),
      }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {
        region: inputs.region.value.trim() || null,
        name: { kk: inputs.name_kk.value, ru: inputs.name_ru.value, en: inputs.name_en.value },
        phone: inputs.phone.value,
        hours: inputs.hours.value || null,
        languages: inputs.languages.value
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
        // the per-language note is not edited here: keep what the entry has
        note: entry?.note ?? null,
        source: inputs.source.value,
        checkedOn: inputs.checkedOn.value,
      };
      const res = await api(
        entry ? 'PUT' : 'POST',
        entry ? `/api/directory/${entry.id}` : '/api/directory',
        body,
      ).catch(() => null);
      if (!res) return;
      if (!res.ok) return refused(res);
      onDone();
    });
    return form;
  }

  async function renderDirectory() {
    const r = await api('GET', '/api/directory').catch(() => null);
    const entries = r?.ok ? r.data?.entries || [] : [];
    const rows = entries.map((e) =>
      h(
        'tr',
        { class: `${e.hidden ? 'is-hidden' : ''}${e.stale ? ' is-stale' : ''}` },
        h('td', { text: e.region || t('directory.national') }),
        h('td', { text: e.name?.[lang] || e.name?.ru || '' }),
        h('td', { text: e.phone }),
        h('td', { text: e.hours || '' }),
        h('td', { text: e.source }),
        h('td', {}, e.checkedOn || '', e.stale ? [' ', badge('stale', t('directory.stale'))] : null),
        h('td', {}, e.hidden ? badge('hidden', t('directory.hidden')) : null),
        h(
          'td',
          { class: 'row-actions' },
          h('button', {
            type: 'button',
            text: t(e.hidden ? 'directory.show' : 'directory.hide'),
            onclick: async () => {
              const res = await api('POST', `/api/directory/${e.id}/${e.hidden ? 'show' : 'hide'}`).catch(
                () => null,
              );
              if (res && !res.ok) return refused(res);
              renderDirectory();
            },
          }),
          h('details', {}, h('summary', { text: t('directory.edit') }), directoryForm(e, renderDirectory)),
        ),
      ),
    );
    fill(
      main,
      h(
        'section',
        { class: 'admin' },
        h('h2', { text: t('directory.heading') }),
        h('p', { class: 'hint', text: t('directory.hint') }),
        table(
          [
            t('directory.region'),
            t('directory.name'),
            t('directory.phone'),
            t('directory.hours'),
            t('directory.source'),
            t('directory.checked_on'),
            '',
            '',
          ],
          rows,
        ),
        h('h3', { text: t('directory.create') }),
        directoryForm(null, renderDirectory),
      ),
    );
  }

  // ---------- admin: WhatsApp ----------
  async function renderWhatsapp() {
    const draw = async () => {
      const r = await api('GET', '/api/whatsapp').catch(() => null);
      if (window.location.hash !== '#/whatsapp') return;
      const s = r?.ok ? r.data : { state: 'off', qr: null };
      let src = null;
      if (s.qr)
        src = s.qr.startsWith('data:')
          ? s.qr
          : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(s.qr)}`;
      fill(
        main,
        h(
          'section',
          { class: 'admin whatsapp' },
          h('h2', { text: t('whatsapp.heading') }),
          h('p', { id: 'wa-state', class: `wa-${s.state}`, role: 'status', text: t(`whatsapp.${s.state}`) }),
          src
            ? h('img', { id: 'wa-qr', class: 'qr', src, alt: t('whatsapp.qr_alt'), width: 264, height: 264 })
            : null,
        ),
      );
    };
    await draw();
    clearInterval(state.whatsappTimer);
    state.whatsappTimer = setInterval(() => void draw(), 5000);
  }

  void boot();
})();
