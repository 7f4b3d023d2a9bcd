// sendJson (route.ts), the check endpoints' way of answering: the same bytes and headers as
// Express's res.json, written at the end of the event loop's turn, all the turn's answers together.
import { describe, expect, it, jest } from '@jest/globals';
import express, { type Response } from 'express';
import request from 'supertest';
import { ANSWER_BURST, sendJson } from '../src/http/route.js';

const BODIES: unknown[] = [
  { allowed: true, checkedAt: 'GhUKEzE3NjQ1NjQ4MDAwMDAwMDAwMDA=' },
  { allowed: false, checkedAt: '' },
  { results: [{ allowed: true }, { error: { type: '/problems/validation', title: 'Invalid request', status: 400 } }], checkedAt: 'x' },
  // characters of more than one byte: Content-Length counts bytes
  { note: 'café, naïve, 日本, 🙂', list: [] },
];

describe('sendJson', () => {
  const app = express();
  app.get('/express/:i', (req, res) => void res.json(BODIES[Number(req.params.i)]));
  app.get('/ours/:i', (req, res) => sendJson(res, BODIES[Number(req.params.i)]));

  it('answers what res.json answers: status, Content-Type, Content-Length and bytes', async () => {
    for (let i = 0; i < BODIES.length; i++) {
      const [theirs, ours] = await Promise.all([request(app).get(`/express/${i}`), request(app).get(`/ours/${i}`)]);
      expect(ours.status).toBe(200);
      expect(ours.status).toBe(theirs.status);
      expect(ours.headers['content-type']).toBe(theirs.headers['content-type']);
      expect(ours.headers['content-length']).toBe(theirs.headers['content-length']);
      expect(ours.text).toBe(theirs.text);
      expect(JSON.parse(ours.text)).toEqual(BODIES[i]);
    }
  });

  /** a response that records what is done to it */
  function fakeResponse(end: (text: string) => void = () => {}) {
    const headers: Record<string, unknown> = {};
    const res = {
      locals: {},
      setHeader: (name: string, value: unknown) => (headers[name] = value),
      end: jest.fn(end),
      destroy: jest.fn(),
    };
    return { res, headers, asResponse: res as unknown as Response };
  }
  const endOfTurn = () => new Promise((r) => setImmediate(r));

  it('writes the answers made in one turn together, at its end, in the order they were made', async () => {
    const written: string[] = [];
    const a = fakeResponse((t) => written.push(`a ${t}`));
    const b = fakeResponse((t) => written.push(`b ${t}`));
    sendJson(a.asResponse, { allowed: true });
    sendJson(b.asResponse, { allowed: false });
    // headers are set at once; nothing is written until the turn's callbacks have all run
    expect(a.headers).toEqual({ 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': 16 });
    expect(written).toEqual([]);
    await endOfTurn();
    expect(written).toEqual(['a {"allowed":true}', 'b {"allowed":false}']);
    // and the next turn's answer is written in that turn, once
    const c = fakeResponse((t) => written.push(`c ${t}`));
    sendJson(c.asResponse, { allowed: true });
    await endOfTurn();
    expect(written).toEqual(['a {"allowed":true}', 'b {"allowed":false}', 'c {"allowed":true}']);
    expect(a.res.end).toHaveBeenCalledTimes(1);
  });

  it('a turn that makes many answers writes them in bursts of ANSWER_BURST, the rest at its end', async () => {
    const written: number[] = [];
    const made = ANSWER_BURST * 2 + 3;
    for (let i = 0; i < made; i++) {
      sendJson(fakeResponse(() => written.push(i)).asResponse, { allowed: true });
      // the burst's last answer writes it, then and there
      expect(written.length).toBe(Math.floor((i + 1) / ANSWER_BURST) * ANSWER_BURST);
    }
    await endOfTurn();
    expect(written).toEqual(Array.from({ length: made }, (_, i) => i));
  });

  it('an answer that cannot be written (its connection went) holds back no other', async () => {
    const gone = new Error('write after end');
    const a = fakeResponse(() => {
      throw gone;
    });
    const b = fakeResponse();
    sendJson(a.asResponse, { allowed: true });
    sendJson(b.asResponse, { allowed: true });
    await endOfTurn();
    expect(a.res.destroy).toHaveBeenCalledWith(gone);
    expect(b.res.end).toHaveBeenCalledWith('{"allowed":true}');
    expect(b.res.destroy).not.toHaveBeenCalled();
  });
});
