import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { PATH_METADATA } from '@nestjs/common/constants';
import { openApiDocument } from '@somnus/contracts';
import { PUBLIC_ROUTE } from '../auth/roles.decorator';
import { DASHBOARD_CONTENT_SECURITY_POLICY, DashboardController } from './dashboard.controller';

const page = new DashboardController().page();
const inlineScript = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
const inlineStyle = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? '';
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('DashboardController', () => {
  it('serves one self-contained HTML page with the hooks the script fills', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    for (const id of ['token-form', 'token-input', 'counts', 'energy', 'nodes', 'notices', 'decisions', 'audit', 'banner', 'sign-out']) {
      expect(page).toContain(`id="${id}"`);
    }
    // No external assets: nothing is loaded from anywhere but the inline blocks.
    expect(page).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*\shref=|@import|url\(\s*['"]?https?:/i);
  });

  it('calls the JSON API the dashboard shows, with the token as a bearer header', () => {
    for (const path of ['/api/v1/fleet/states', '/api/v1/nodes?limit=1000', '/api/v1/energy', '/api/v1/decisions?limit=20', '/api/v1/audit?limit=20']) {
      expect(inlineScript).toContain(`'${path}'`);
    }
    expect(inlineScript).toContain("'/api/v1/nodes/' + encodeURIComponent(node.id) + '/' + action");
    expect(inlineScript).toContain("button(row, 'wake', 'Wake'), button(row, 'sleep', 'Sleep')");
    expect(inlineScript).toContain("Authorization: 'Bearer ' + token");
    expect(inlineScript).toContain('payload.error.message');
    expect(inlineScript).toContain('REFRESH_MS = 3000');
  });

  it('keeps the token out of the page, the URL and persistent storage', () => {
    expect(page).not.toMatch(/somnus_[A-Za-z0-9]{8,}|Bearer [A-Za-z0-9]/);
    const input = /<input[^>]*id="token-input"[^>]*>/.exec(page)?.[0] ?? '';
    expect(input).toContain('type="password"');
    // Without a name the field is never part of a form submission, so even without JavaScript it cannot reach a URL.
    expect(input).not.toMatch(/\sname=/);
    expect(page).toMatch(/<form id="token-form" method="post"/);
    expect(inlineScript).toContain('sessionStorage');
    expect(inlineScript).not.toMatch(/localStorage|document\.cookie|location\.(search|hash|href)\s*=|history\.(push|replace)State/);
  });

  it('never parses API data as HTML', () => {
    expect(inlineScript).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
  });

  it('has an inline script that parses', () => {
    expect(inlineScript.length).toBeGreaterThan(1000);
    expect(() => new Script(inlineScript)).not.toThrow();
  });

  it('lets only its own inline script and style run, and posts no form anywhere', () => {
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).toContain(`script-src ${sha256(inlineScript)}`);
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).toContain(`style-src ${sha256(inlineStyle)}`);
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).toContain("form-action 'none'");
    expect(DASHBOARD_CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
  });

  it('is public, at / and /dashboard, and left out of the API document', () => {
    expect(Reflect.getMetadata(PUBLIC_ROUTE, DashboardController)).toBe(true);
    expect(Reflect.getMetadata(PATH_METADATA, DashboardController.prototype.page)).toEqual(['', 'dashboard']);
    expect(Object.keys(openApiDocument().paths as object).filter((path) => path === '/' || path === '/dashboard')).toEqual([]);
  });
});
