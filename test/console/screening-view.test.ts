/**
 * A person who finishes the screening at high risk: the console is alerted (SSE `alert`), the
 * queue row carries a summary of the answers (item ids and counts, no words of the person), and
 * the conversation view shows the level and every answer, kept after the flow moved on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from '../helpers/test-app.js';
import { addUser, loggedIn, person } from './console-client.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

describe('screening in the console', () => {
  it('should alert, summarise the answers in the row and show them in the view', async () => {
    const t = await startTestApp();
    apps.push(t);
    await addUser(t.app, 'aigerim');
    const aigerim = await loggedIn(t.baseUrl, 'aigerim');
    const alerts: string[] = [];
    const off = t.app.notifier.subscribe('alert:*', (topic) => alerts.push(topic));
    const standard = await person(t.app, 'web-std').queue();
    expect(alerts).toEqual([]);
    const id = await person(t.app, 'web-high').highRisk();
    off();
    expect(alerts).toEqual(['alert:high']);

    const q = await aigerim.get('/api/queue');
    expect(q.json.waiting.map((r: { id: number }) => r.id)).toEqual([id, standard]);
    expect(q.json.waiting[0].summary).toEqual({ yes: 1, asked: 16, items: ['a2'] });
    expect(q.json.waiting[1].summary).toBeNull();

    const view = await aigerim.get(`/api/conversations/${id}`);
    expect(view.json.screening.level).toBe('high');
    expect(view.json.screening.answers).toContainEqual({ item: 'a2', answer: 'yes' });
    expect(view.json.screening.answers).toContainEqual({ item: 'g1', answer: 'no' });
    expect(view.json.screening.answers).toContainEqual({ item: 'd13', answer: 'no' });
    expect((await aigerim.get(`/api/conversations/${standard}`)).json.screening).toBeNull();
  });
});
