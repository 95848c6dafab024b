/*
 * Live processing progress of media assets in the admin.
 *
 * Page contract:
 *   <div data-progress-url="/admin/media/progress/">      (container)
 *     <… data-media-progress data-asset-id="42" [data-reload-when-ready]>
 *       .js-status  .js-phase  <progress class="js-progress">  .js-eta  .js-reason
 *
 * Every container polls its URL every 2 s with ?id=1&id=2… for the assets
 * still uploaded or processing, and fills in each element; `is-ready`,
 * `is-failed` or `is-processing` is set on it. Polling stops once none is
 * left in progress. An element with data-reload-when-ready reloads the page
 * once its asset is ready (to show the player and the renditions).
 *
 * Plain ES2017 for a <script> tag: no bundler, no optional chaining.
 */
(function () {
  'use strict';

  var INTERVAL_MS = 2000;
  // Back off while the server does not answer, up to this long.
  var MAX_INTERVAL_MS = 30000;
  // The progress view answers at most this many ids per request.
  var IDS_PER_REQUEST = 100;
  var ACTIVE = ['uploaded', 'processing'];
  var STATE_CLASSES = ['is-ready', 'is-failed', 'is-processing'];

  function formatEta(seconds) {
    if (seconds === null || seconds === undefined || seconds === '' || !(seconds >= 0)) {
      return '';
    }
    seconds = Math.max(1, Math.round(seconds));
    if (seconds < 60) return '约 ' + seconds + ' 秒';
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
      var rest = seconds % 60;
      return '约 ' + minutes + ' 分' + (rest ? ' ' + rest + ' 秒' : '');
    }
    var hours = Math.floor(minutes / 60);
    return '约 ' + hours + ' 小时' + (minutes % 60 ? ' ' + (minutes % 60) + ' 分' : '');
  }

  function setText(element, selector, text) {
    var target = element.querySelector(selector);
    if (target) target.textContent = text;
  }

  /* Fill one element in from one entry of the answer. */
  function render(element, asset) {
    var status = asset.status;
    var isActive = ACTIVE.indexOf(status) !== -1;
    element.dataset.status = status;
    STATE_CLASSES.forEach(function (name) {
      element.classList.remove(name);
    });
    if (status === 'ready') element.classList.add('is-ready');
    else if (status === 'failed') element.classList.add('is-failed');
    else if (isActive) element.classList.add('is-processing');

    setText(element, '.js-status', asset.status_label || status);
    setText(element, '.js-phase', isActive ? asset.phase_label || '' : '');
    var bar = element.querySelector('progress.js-progress');
    if (bar) {
      var value = Number(asset.progress);
      bar.max = 100;
      bar.value = status === 'ready' ? 100 : Math.max(0, Math.min(100, value || 0));
      bar.textContent = Math.round(bar.value) + '%';
      bar.hidden = !isActive && status !== 'ready';
    }
    setText(element, '.js-eta', isActive ? formatEta(asset.eta_seconds) : '');
    setText(element, '.js-reason', asset.failure_reason || '');
  }

  /* True the first time an asset asks for a reload in this tab, so a page
   * that still says "reload when ready" after reloading cannot loop. */
  function reloadFirstTime(id) {
    var key = 'baigali-media-reloaded-' + id;
    try {
      if (window.sessionStorage.getItem(key)) return false;
      window.sessionStorage.setItem(key, '1');
    } catch (error) {
      // No storage: reload anyway, the template decides next time.
    }
    return true;
  }

  function isSettled(element) {
    return element.classList.contains('is-ready') || element.classList.contains('is-failed');
  }

  function Poller(container) {
    this.container = container;
    this.url = container.dataset.progressUrl;
    this.delay = INTERVAL_MS;
    this.timer = null;
    this.reloading = false;
  }

  Poller.prototype.elements = function () {
    var found = Array.prototype.slice.call(
      this.container.querySelectorAll('[data-media-progress][data-asset-id]')
    );
    if (this.container.matches('[data-media-progress][data-asset-id]')) {
      found.unshift(this.container);
    }
    return found;
  };

  /* Ids still worth asking about: those not already ready or failed. */
  Poller.prototype.pendingIds = function () {
    var ids = [];
    this.elements().forEach(function (element) {
      var id = element.dataset.assetId;
      if (!id || isSettled(element) || element.dataset.progressGone) return;
      if (ids.indexOf(id) === -1) ids.push(id);
    });
    return ids;
  };

  Poller.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.poll();
    }, this.delay);
  };

  Poller.prototype.poll = function () {
    var self = this;
    var ids = this.pendingIds();
    if (!ids.length || this.reloading) return Promise.resolve();
    var batches = [];
    for (var start = 0; start < ids.length; start += IDS_PER_REQUEST) {
      batches.push(ids.slice(start, start + IDS_PER_REQUEST));
    }
    return Promise.all(batches.map(this.fetchBatch, this)).then(
      function (answers) {
        self.delay = INTERVAL_MS;
        var assets = [];
        answers.forEach(function (answer) {
          assets = assets.concat(answer);
        });
        self.apply(ids, assets);
        if (self.pendingIds().length) self.schedule();
      },
      function () {
        // Network trouble or a server restart: keep trying, less often.
        self.delay = Math.min(self.delay * 2, MAX_INTERVAL_MS);
        self.schedule();
      }
    );
  };

  Poller.prototype.fetchBatch = function (ids) {
    var query = ids
      .map(function (id) {
        return 'id=' + encodeURIComponent(id);
      })
      .join('&');
    var url = this.url + (this.url.indexOf('?') === -1 ? '?' : '&') + query;
    return window
      .fetch(url, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        cache: 'no-store'
      })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        return (data && data.assets) || [];
      });
  };

  Poller.prototype.apply = function (askedIds, assets) {
    var self = this;
    var byId = {};
    assets.forEach(function (asset) {
      byId[String(asset.id)] = asset;
    });
    this.elements().forEach(function (element) {
      var id = element.dataset.assetId;
      if (askedIds.indexOf(id) === -1) return;
      var asset = byId[id];
      if (!asset) {
        // Deleted, or no longer visible to this user: stop asking.
        element.dataset.progressGone = 'true';
        return;
      }
      var wasReady = element.dataset.status === 'ready';
      render(element, asset);
      if (
        asset.status === 'ready' &&
        !wasReady &&
        element.hasAttribute('data-reload-when-ready') &&
        !self.reloading &&
        reloadFirstTime(id)
      ) {
        self.reloading = true;
        window.location.reload();
      }
    });
  };

  Poller.prototype.start = function () {
    if (!this.url) return;
    this.poll();
  };

  function start() {
    var containers = document.querySelectorAll('[data-progress-url]');
    Array.prototype.forEach.call(containers, function (container) {
      if (container.mediaProgress) return;
      container.mediaProgress = new Poller(container);
      container.mediaProgress.start();
    });
  }

  window.BaigaliProgress = { start: start, formatEta: formatEta };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
