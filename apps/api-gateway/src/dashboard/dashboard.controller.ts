import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/roles.decorator';

/** The page, read once: it sits beside this file both in the source tree (tools/register.js, jest) and in the image. */
export const DASHBOARD_HTML = readFileSync(join(__dirname, 'dashboard.html'), 'utf8');

function inlineHashes(html: string, tag: 'script' | 'style'): string {
  const blocks = [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))];
  return blocks.map(([, body = '']) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`).join(' ');
}

/**
 * Only the page's own inline script and style run, it talks only to this origin, and no form can post
 * anywhere: a token typed into the page cannot leave it except as the Authorization header of an API call.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${inlineHashes(DASHBOARD_HTML, 'script')}`,
  `style-src ${inlineHashes(DASHBOARD_HTML, 'style')}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The dashboard: one self-contained page. It needs no token to load; it asks the operator for one and calls
 * the JSON API with it, so what it shows is exactly what that token may read.
 */
@Public()
@Controller()
export class DashboardController {
  @Get(['', 'dashboard'])
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @Header('content-security-policy', DASHBOARD_CONTENT_SECURITY_POLICY)
  @Header('referrer-policy', 'no-referrer')
  @Header('x-content-type-options', 'nosniff')
  @Header('x-frame-options', 'DENY')
  page(): string {
    return DASHBOARD_HTML;
  }
}
