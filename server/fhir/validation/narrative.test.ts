import { describe, expect, it } from 'vitest';
import { narrativeProblem } from './narrative.js';

const div = (inner: string): string => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;

describe('narrativeProblem', () => {
  it('accepts basic formatting, tables, links and images', () => {
    const html =
      '<p>a <b>b</b><br/></p><table><tr><td>x</td></tr></table><a href="http://example.org">l</a><img src="x.png" alt="x"/>';
    expect(narrativeProblem(div(html))).toBeUndefined();
  });

  it('refuses plain text and a root other than an XHTML div', () => {
    expect(narrativeProblem('Piet Jansen')).toContain('<div>');
    expect(narrativeProblem('<div>no namespace</div>')).toContain('XHTML namespace');
  });

  it('refuses elements outside the narrative set, whatever their case', () => {
    expect(narrativeProblem(div('<script>alert(1)</script>'))).toContain('<script>');
    expect(narrativeProblem(div('<SCRIPT>alert(1)</SCRIPT>'))).toContain('<SCRIPT>');
    expect(narrativeProblem(div('<iframe src="x"></iframe>'))).toContain('<iframe>');
    expect(narrativeProblem(div('<param name="x"/>'))).toContain('<param>');
  });

  it('refuses event handler attributes, quoted or not', () => {
    expect(narrativeProblem(div('<img src="x" onerror="alert(1)"/>'))).toContain('onerror');
    expect(narrativeProblem(div('<img src=x onerror=alert(1)>'))).toContain('onerror');
    expect(narrativeProblem(div('<p ONCLICK="x">y</p>'))).toContain('ONCLICK');
  });

  it('finds an event handler placed after a quoted ">"', () => {
    expect(narrativeProblem(div('<img title="a>" onerror="x"/>'))).toContain('onerror');
  });

  it('refuses script URLs in attributes', () => {
    expect(narrativeProblem(div('<a href="javascript:alert(1)">x</a>'))).toContain('href');
    expect(narrativeProblem(div("<a href = ' JavaScript:x'>x</a>"))).toContain('href');
  });

  it('does not mistake text inside an attribute value for an attribute', () => {
    expect(narrativeProblem(div('<p title="set onboard=true">x</p>'))).toBeUndefined();
  });

  it('does not mistake text that mentions javascript for active content', () => {
    expect(narrativeProblem(div('<p>Disable javascript: it is not needed, onset=today</p>'))).toBeUndefined();
  });
});
