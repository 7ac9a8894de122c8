// Runs axe-core (WCAG 2.0/2.1 A and AA) on the page once it has loaded and
// appends the result as JSON, for `chromium --dump-dom` to carry out.
(function () {
  function done(obj) {
    var el = document.createElement('script');
    el.type = 'application/json';
    el.id = 'axe-results';
    // '<' escaped so the JSON can never close the <script> element in the dumped DOM
    el.textContent = JSON.stringify(obj).replace(/</g, '\\u003c');
    document.body.appendChild(el);
  }
  function run() {
    axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations', 'incomplete'],
    }).then(function (r) {
      done({ ok: true, version: axe.version, url: r.url,
             violations: r.violations, incomplete: r.incomplete,
             passes: r.passes.length });
    }, function (e) { done({ ok: false, error: String(e && e.stack || e) }); });
  }
  if (document.readyState === 'complete') run();
  else window.addEventListener('load', run);
})();
