'use strict';
(function () {
  var stream = document.body.getAttribute('data-stream');
  if (!stream || !window.EventSource) return;
  function list(id, items) {
    var ul = document.getElementById(id);
    if (!ul) return;
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    items.forEach(function (t) {
      var li = document.createElement('li');
      li.textContent = String(t);
      ul.appendChild(li);
    });
  }
  var es = new EventSource(stream);
  /* A page made from the board's state (a rider's) loads again when the
     board changes; the stream's first message is the state it was made from. */
  var reload = document.querySelector('[data-reload]'), seen = false;
  es.addEventListener('board', function (m) {
    if (reload) { if (seen) window.location.reload(); seen = true; return; }
    var b = JSON.parse(m.data);
    list('making', b.making);
    list('ready', b.ready);
    var called = document.getElementById('called'), latest = document.getElementById('latest');
    if (called && latest) {
      if (b.latest && latest.textContent !== String(b.latest)) {
        latest.textContent = String(b.latest);
        called.classList.remove('news');
        void called.offsetWidth;    /* restart the animation */
        called.classList.add('news');
      }
      called.hidden = !b.latest;
    }
  });
  es.addEventListener('order', function (m) {
    var o = JSON.parse(m.data);
    var s = document.getElementById('status');
    if (s) s.textContent = o.status;
    list('steps', o.steps);
    var cancel = document.getElementById('cancel');
    if (cancel && o.cancellable === false) cancel.parentNode.removeChild(cancel);
    document.title = document.title.replace(/ \u00b7 .*$/, '') + ' \u00b7 ' + o.status;
  });
})();
