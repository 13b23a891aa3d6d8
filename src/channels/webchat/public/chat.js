// Tirek web chat. Keeps nothing in the browser: no cookies, no storage; the session id lives in
// this script's memory and is gone when the tab closes or quick exit is pressed.
(() => {
  const NEUTRAL_SITE = 'https://www.google.com/search?q=weather';
  const lang = document.body.dataset.lang;
  const log = document.getElementById('log');
  const status = document.getElementById('status');
  const form = document.getElementById('composer');
  const input = document.getElementById('text');
  let session = null;
  let events = null;
  let counter = 0;

  const nextId = () =>
    `${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

  async function post(body) {
    if (!session) return;
    await fetch('/chat/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session, id: nextId(), lang, ...body }),
      keepalive: true,
    });
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
        b.addEventListener('click', () => {
          bubble(c.label, 'me');
          post({ choice: c.id });
        });
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
    bubble(text, 'me');
    input.value = '';
    post({ text });
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
      status.textContent = '';
      if (!started) {
        started = true;
        post({ command: 'start' });
      }
    });
    events.onerror = () => {
      status.textContent = status.dataset.offline || '…';
    };
  }
  connect();
})();
