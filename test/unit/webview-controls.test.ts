/**
 * The panel's per-agent controls and Markdown rules: which task controls show, chat
 * hints and deliveries, the send key, and the DOM-free half of Markdown rendering
 * (marked output, the sanitiser's configuration, image and link rules).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatHint, controlDoneText, controlLabel, deliveryText, isSendKey, taskControls } from '../../webview/controls';
import {
  escapeHtml,
  FORBIDDEN_ATTRS,
  FORBIDDEN_TAGS,
  isAllowedImageSrc,
  isEventHandlerAttr,
  linkAction,
  markdownToHtml,
  purifyConfig,
} from '../../webview/markdownConfig';

test('a running worker offers Pause and Cancel, a paused one Resume and Cancel, others nothing', () => {
  assert.deepEqual(taskControls('running', false, true), { pause: true, resume: false, cancel: true });
  assert.deepEqual(taskControls('awaiting_approval', true, true), { pause: false, resume: true, cancel: true });
  assert.deepEqual(taskControls('done', false, true), { pause: false, resume: false, cancel: false });
  assert.deepEqual(taskControls('running', false, false), { pause: false, resume: false, cancel: false });
  assert.equal(controlLabel('cancel', 't2', 'Wire it'), 'Cancel t2: Wire it');
  assert.equal(controlDoneText('pause', 't2', true), 't2 pauses at its next turn boundary.');
  assert.equal(controlDoneText('resume', 't2', false), 't2 was not paused.');
  assert.equal(controlDoneText('pause', 't2', false), 't2 was already paused.');
  assert.equal(controlDoneText('cancel', 't2', false), 't2 has already finished.');
});

test('chat: what a message will do, and how it was delivered', () => {
  assert.match(chatHint('planner', undefined), /replans/);
  assert.match(chatHint('coder', 'running'), /next turn/);
  assert.match(chatHint('coder', 'done'), /reopens the task/);
  assert.match(chatHint('tester', 'failed'), /reopens the task/);
  assert.equal(deliveryText('queued'), 'Sent: queued for its next turn.');
  assert.equal(deliveryText('reopened'), 'Sent: reopened the task with your request.');
  assert.equal(deliveryText('replanning'), 'Sent: the planner will replan.');
  assert.equal(isSendKey({ key: 'Enter', shiftKey: false }), true);
  assert.equal(isSendKey({ key: 'Enter', shiftKey: true }), false);
  assert.equal(isSendKey({ key: 'Enter', shiftKey: false, isComposing: true }), false);
  assert.equal(isSendKey({ key: 'a', shiftKey: false }), false);
});

test('markdown: model text becomes HTML; raw HTML in it is shown as text; headings do not break the outline', () => {
  assert.match(markdownToHtml('Use **bold** and `code`'), /<strong>bold<\/strong> and <code>code<\/code>/);
  const raw = markdownToHtml('<script>alert(1)</script>\n\nand <img src=x onerror=alert(1)> inline');
  assert.doesNotMatch(raw, /<script|<img/);
  assert.match(raw, /&#60;script&#62;/);
  assert.match(markdownToHtml('# Title'), /^<p class="md-heading md-h1"><strong>Title<\/strong><\/p>/);
  assert.doesNotMatch(markdownToHtml('## Sub'), /<h2/);
  assert.match(markdownToHtml('- [x] done\n- [ ] todo'), /☑ done[\s\S]*☐ todo/);
  assert.equal(escapeHtml(`<a href="x">'&`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
});

test('sanitiser configuration: HTML profile only, forms, frames, scripts, styles and handlers removed', () => {
  const c = purifyConfig();
  assert.deepEqual(c.USE_PROFILES, { html: true });
  for (const tag of ['script', 'style', 'iframe', 'form', 'input', 'button', 'textarea', 'object', 'embed', 'svg', 'math']) {
    assert.ok(FORBIDDEN_TAGS.includes(tag), tag);
    assert.ok(c.FORBID_TAGS?.includes(tag), tag);
  }
  for (const attr of ['style', 'srcset', 'formaction', 'target']) assert.ok(FORBIDDEN_ATTRS.includes(attr), attr);
  assert.equal(c.ALLOW_DATA_ATTR, false);
  assert.equal(c.ALLOW_UNKNOWN_PROTOCOLS, false);
  assert.ok(isEventHandlerAttr('onclick'));
  assert.ok(isEventHandlerAttr('ONERROR'));
  assert.ok(!isEventHandlerAttr('title'));
  // A fresh object each call: nothing can mutate the shared configuration.
  c.FORBID_TAGS?.pop();
  assert.ok(purifyConfig().FORBID_TAGS?.includes(FORBIDDEN_TAGS[FORBIDDEN_TAGS.length - 1]));
});

test('images keep only inline data: sources; links open only http(s) and mailto, through the extension', () => {
  assert.ok(isAllowedImageSrc('data:image/png;base64,iVBORw0KGgo='));
  assert.ok(!isAllowedImageSrc('data:image/svg+xml;base64,PHN2Zz4='));
  assert.ok(!isAllowedImageSrc('https://example.com/a.png'));
  assert.ok(!isAllowedImageSrc('//example.com/a.png'));
  assert.ok(!isAllowedImageSrc(null));
  assert.equal(linkAction('https://example.com'), 'open');
  assert.equal(linkAction('mailto:a@b.c'), 'open');
  assert.equal(linkAction('javascript:alert(1)'), 'ignore');
  assert.equal(linkAction('command:workbench.action.quit'), 'ignore');
  assert.equal(linkAction('#anchor'), 'ignore');
  assert.equal(linkAction(null), 'ignore');
});
