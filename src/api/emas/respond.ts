import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmasError } from './errors.js';

export type Format = 'JSON' | 'XML';

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** JSON as POP's XML: objects become elements, arrays repeat their element name. */
function toXml(name: string, value: unknown): string {
  const tag = XML_NAME.test(name) ? name : 'Item';
  if (Array.isArray(value)) return value.map((v) => toXml(tag, v)).join('');
  if (value !== null && typeof value === 'object') {
    return `<${tag}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${tag}>`;
  }
  return `<${tag}>${escapeXml(value === null || value === undefined ? '' : String(value))}</${tag}>`;
}

export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

function hostOf(request: FastifyRequest): string {
  const host = (request.headers.host ?? '').slice(0, 255);
  return host || 'localhost';
}

export function sendBody(reply: FastifyReply, format: Format, root: string, body: Record<string, unknown>): FastifyReply {
  if (format === 'XML') {
    return reply.type('text/xml;charset=utf-8').send(`<?xml version="1.0" encoding="UTF-8"?>${toXml(root, body)}`);
  }
  return reply.type('application/json;charset=utf-8').send(JSON.stringify(body));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, format: Format, err: EmasError): FastifyReply {
  reply.status(err.status);
  if (err.status === 413) reply.header('Connection', 'close');
  const body = { RequestId: newRequestId(), HostId: hostOf(request), Code: err.code, Message: err.message };
  return sendBody(reply, format, 'Error', body);
}
