// Tirek web chat. Keeps nothing in the browser: no cookies, no storage; the session id lives in
// this script's memory and is gone when the tab closes or quick exit is pressed.
(() => {
  const NEUTRAL_SITE = 'https://www.google.com/search?q=weather';
  /** Waits before posting a message again that the server could not store: 1 s, 2 s, 4 s … 15 s. */
  const RETRY_BASE_MS = 1000;
  const RETRY_MAX_MS = 15_000;
  // Every UI text in kk, ru and en, so the page follows the person's language at once.
  const TEXTS = JSON.parse(document.getElementById('ui-texts').textContent);
  let lang = document.body.dataset.lang;
  const log = document.getElementById('log');
  const status = document.getElementById('status');
  const form = document.getElementById('composer');
  const input = document.getElementById('text');
  let session = null;
  let events = null;
  let counter = 0;
  let offline = false;
  /** Messages waiting to be posted, in order; the first one is being posted. */
  const queue = [];
  let pumping = false;

  const ui = (key) => TEXTS[lang]?.[key] ?? TEXTS.en[key];
  const nextId = () =>
    `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

  /** Shows the page in `next` (kk, ru, en): texts, title, lang attribute; a reload keeps it. */
  function applyLang(next) {
    if (!TEXTS[next] || next === lang) return;
    lang = next;
    document.documentElement.lang = lang;
    document.body.dataset.lang = lang;
    document.title = ui('title');
    document.querySelector('h1').textContent = ui('title');
    document.getElementById('quick-exit').textContent = ui('quick_exit');
    document.getElementById('exit-hint').textContent = ui('quick_exit_hint');
    document.getElementById('text-label').textContent = ui('input_label');
    input.placeholder = ui('input_label');
    document.getElementById('send').textContent = ui('send');
    log.setAttribute('aria-label', ui('log_label'));
    if (offline) status.textContent = ui('offline');
    for (const note of log.querySelectorAll('.note')) note.textContent = ui(note.dataset.key);
    // the address keeps the language, so a reload opens the page in it (replace: no new history entry)
    const url = new URL(window.location.href);
    url.searchParams.set('lang', lang);
    window.history.replaceState(null, '', url);
  }

  function setNote(div, key) {
    let note = div.querySelector('.note');
    if (!key) {
      note?.remove();
      div.classList.remove('failed');
      return;
    }
    div.classList.add('failed');
    if (!note) {
      note = document.createElement('span');
      note.className = 'note';
      note.setAttribute('role', 'status');
      div.appendChild(note);
    }
    note.dataset.key = key;
    note.textContent = ui(key);
  }

  /** Posts `body`; `div` (the person's bubble) shows when it could not be sent yet. */
  function post(body, div) {
    if (!session) return;
    queue.push({ body: { session, id: nextId(), ...body }, div });
    pump();
  }

  /** Posts the queued messages one at a time, in order; a message the server could not store is retried. */
  async function pump() {
    if (pumping) return;
    pumping = true;
    let failures = 0;
    while (queue.length > 0 && session) {
      const item = queue[0];
      let status = 0;
      try {
        const res = await fetch('/chat/messages', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...item.body, lang }),
          keepalive: true,
        });
        status = res.status;
      } catch {
        status = 0; // network down
      }
      if (status >= 200 && status < 300) {
        if (item.div) setNote(item.div, null);
        queue.shift();
        failures = 0;
      } else if (status >= 400 && status < 500) {
        if (item.div) setNote(item.div, 'send_failed'); // refused: sending it again would not help
        queue.shift();
      } else {
        if (item.div) setNote(item.div, 'not_sent');
        failures++;
        await new Promise((r) => setTimeout(r, Math.min(RETRY_BASE_MS * 2 ** (failures - 1), RETRY_MAX_MS)));
      }
    }
    pumping = false;
  }

  function bubble(text, who) {
    const div = document.createElement('div');
    div.className = `msg ${who}`;
    div.textContent = text;
    log.appendChild(div);
    return div;
  }

  function render(m) {
    if (m.type === 'clear') {
      log.replaceChildren();
      return;
    }
    if (m.type !== 'message') return;
    applyLang(m.lang);
    const div = bubble(m.text, 'bot');
    const all = [
      ...m.choices.map((c) => ({ ...c, global: false })),
      ...m.globalChoices.map((c) => ({ ...c, global: true })),
    ];
    if (all.length) {
      const row = document.createElement('div');
      row.className = 'choices';
      for (const c of all) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = c.label;
        b.dataset.choice = c.id;
        if (c.global) b.className = 'global';
        // the quick exit button leaves at once, like the page's own button and Esc
        b.addEventListener('click', () =>
          c.id === 'exit' ? quickExit() : post({ choice: c.id }, bubble(c.label, 'me')),
        );
        row.appendChild(b);
      }
      div.appendChild(row);
    }
    div.scrollIntoView({ block: 'end', behavior: 'smooth' });
  }

  function quickExit() {
    // Tell the server first (it resets the conversation), then leave without a history entry.
    if (session) {
      const body = JSON.stringify({ session, id: nextId(), lang, command: 'exit' });
      navigator.sendBeacon?.('/chat/messages', new Blob([body], { type: 'application/json' }));
    }
    events?.close();
    log.replaceChildren();
    input.value = '';
    queue.length = 0;
    session = null;
    window.location.replace(NEUTRAL_SITE);
  }

  document.getElementById('quick-exit').addEventListener('click', quickExit);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') quickExit();
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    post({ text }, bubble(text, 'me'));
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  async function connect() {
    const res = await fetch('/chat/session', { cache: 'no-store' });
    session = (await res.json()).session;
    events = new EventSource(`/chat/events?session=${encodeURIComponent(session)}`);
    let started = false;
    events.addEventListener('reply', (e) => render(JSON.parse(e.data)));
    events.addEventListener('ready', () => {
      offline = false;
      status.textContent = '';
      if (!started) {
        started = true;
        post({ command: 'start' });
      }
    });
    events.onerror = () => {
      offline = true;
      status.textContent = ui('offline');
    };
  }
  connect();
})();
