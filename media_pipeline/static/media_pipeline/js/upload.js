/*
 * 媒体上传：tus 断点续传（Uppy core + Tus 插件，界面为本文件自建的中文界面）。
 *
 * Page contract:
 *   <div id="media-upload" data-endpoint="/api/media/uploads/"
 *        data-csrf-token="…" data-detail-url-template="/admin/media/inspect/0/">
 *   <select id="id_collection"> (collection id, optional)
 *   <input id="id_tags"> (optional, comma-separated tags)
 *   vendor/uppy/uppy.min.js loaded before this script (global `Uppy`).
 *
 * Several files at once, by picker or drag-and-drop; per file a progress bar,
 * speed and time left, pause/resume, retry and remove. The tus URL of every
 * unfinished upload is kept in localStorage (tus-js-client's fingerprint), so
 * after a reload choosing the same file again continues where it stopped.
 *
 * Plain ES2017 for a <script> tag: no bundler, no optional chaining.
 */
(function () {
  'use strict';

  var CHUNK_SIZE = 8 * 1024 * 1024;
  // How many files upload at the same time; the rest wait their turn.
  var PARALLEL_FILES = 3;
  // Waits between attempts after a network failure or a 5xx answer, in ms.
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];
  // Speed is measured over the last few seconds, so it follows the network.
  var SPEED_WINDOW_MS = 5000;
  var STORAGE_PREFIX = 'tus::';
  var MiB = 1024 * 1024;

  var STATUS_TEXT = {
    waiting: '排队中',
    uploading: '上传中',
    paused: '已暂停',
    saving: '正在存入媒体库…',
    done: '上传完成',
    error: '上传失败'
  };

  // --- Formatting -----------------------------------------------------------

  function formatBytes(bytes) {
    if (!(bytes >= 0)) return '';
    if (bytes < 1024) return bytes + ' B';
    var units = ['KB', 'MB', 'GB', 'TB'];
    var value = bytes / 1024;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return value.toFixed(value < 10 ? 1 : 0) + ' ' + units[unit];
  }

  function formatSpeed(bytesPerSecond) {
    return (bytesPerSecond / MiB).toFixed(bytesPerSecond < 10 * MiB ? 1 : 0) + ' MB/s';
  }

  function formatDuration(seconds) {
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

  function titleFromName(name) {
    var dot = name.lastIndexOf('.');
    return dot > 0 ? name.slice(0, dot) : name;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(className, text) {
    var node = el('button', 'button button-small button-secondary ' + className, text);
    node.type = 'button';
    return node;
  }

  // --- Server answers -------------------------------------------------------

  /* The JSON body of a failed tus request: {"error": "…", "existing_id": N}. */
  function errorBody(xhr) {
    if (!xhr || !xhr.responseText) return null;
    try {
      var data = JSON.parse(xhr.responseText);
      return data && typeof data === 'object' ? data : null;
    } catch (error) {
      return null;
    }
  }

  function tusErrorBody(error) {
    var response = error && error.originalResponse;
    return response ? errorBody(response.getUnderlyingObject()) : null;
  }

  function tusErrorStatus(error) {
    var response = error && error.originalResponse;
    return response ? response.getStatus() : 0;
  }

  // --- Unfinished uploads remembered by tus-js-client -----------------------

  /* Entries tus-js-client keeps in localStorage for uploads to `endpoint`
   * (to any endpoint when it is null). Keys are "tus::<fingerprint>::<random>";
   * Uppy's fingerprint is "tus-<uppy file id>-<endpoint>". */
  function storedUploads(endpoint) {
    var found = [];
    var suffix = endpoint === null ? '' : '-' + endpoint;
    var storage;
    try {
      storage = window.localStorage;
      for (var i = 0; i < storage.length; i += 1) {
        var key = storage.key(i);
        if (!key || key.indexOf(STORAGE_PREFIX) !== 0) continue;
        var fingerprint = key.slice(STORAGE_PREFIX.length).replace(/::[^:]*$/, '');
        if (suffix && fingerprint.slice(-suffix.length) !== suffix) continue;
        var value = JSON.parse(storage.getItem(key) || 'null');
        if (!value || !value.uploadUrl) continue;
        found.push({ key: key, fingerprint: fingerprint, upload: value });
      }
    } catch (error) {
      // Storage disabled (private mode, policy): nothing to resume.
    }
    return found;
  }

  function forgetStoredUploads(fingerprint) {
    storedUploads(null).forEach(function (entry) {
      if (entry.fingerprint === fingerprint) {
        try {
          window.localStorage.removeItem(entry.key);
        } catch (error) {
          // Nothing to do: the entry simply stays.
        }
      }
    });
  }

  // --- The widget -----------------------------------------------------------

  function MediaUploader(root) {
    this.root = root;
    this.endpoint = root.dataset.endpoint;
    this.csrfToken = root.dataset.csrfToken || '';
    this.detailUrlTemplate = root.dataset.detailUrlTemplate || '';
    this.collectionInput = document.getElementById('id_collection');
    this.tagsInput = document.getElementById('id_tags');
    this.rows = {};
    this.build();
    this.uppy = this.createUppy();
    this.showStoredUploads();
    var self = this;
    window.addEventListener('beforeunload', function (event) {
      if (!self.hasActiveUploads()) return undefined;
      // Browsers show their own text; the upload can be resumed anyway.
      event.preventDefault();
      event.returnValue = '';
      return '';
    });
  }

  MediaUploader.prototype.detailUrl = function (assetId) {
    if (!this.detailUrlTemplate || !assetId) return '';
    return this.detailUrlTemplate.replace(/\/0\/(?=[^/]*$)/, '/' + assetId + '/');
  };

  MediaUploader.prototype.fingerprint = function (file) {
    return 'tus-' + file.id + '-' + this.endpoint;
  };

  MediaUploader.prototype.build = function () {
    var self = this;
    this.root.classList.add('media-uploader');
    this.root.textContent = '';

    var zone = el('div', 'media-uploader__drop');
    zone.appendChild(el('p', 'media-uploader__hint', '将视频或音频文件拖到这里，或'));
    var input = el('input', 'media-uploader__input');
    input.type = 'file';
    input.multiple = true;
    input.id = 'media-upload-files';
    var label = el('label', 'button media-uploader__choose', '选择文件（可多选）');
    label.htmlFor = input.id;
    zone.appendChild(input);
    zone.appendChild(label);
    zone.appendChild(
      el('p', 'media-uploader__note', '每 8 MB 一个分块上传；可随时暂停，刷新页面后重新选择同一文件即可续传。')
    );
    this.root.appendChild(zone);

    this.notice = el('p', 'media-uploader__notice');
    this.notice.hidden = true;
    this.notice.setAttribute('role', 'status');
    this.root.appendChild(this.notice);

    this.resumable = el('div', 'media-uploader__resumable');
    this.resumable.hidden = true;
    this.root.appendChild(this.resumable);

    this.list = el('ul', 'media-upload-list');
    this.list.setAttribute('aria-live', 'polite');
    this.root.appendChild(this.list);

    input.addEventListener('change', function () {
      self.addFiles(input.files);
      // The same file may be chosen again later (after removing it).
      input.value = '';
    });

    var depth = 0;
    zone.addEventListener('dragenter', function (event) {
      event.preventDefault();
      depth += 1;
      zone.classList.add('is-dragover');
    });
    zone.addEventListener('dragover', function (event) {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    });
    zone.addEventListener('dragleave', function () {
      depth = Math.max(0, depth - 1);
      if (!depth) zone.classList.remove('is-dragover');
    });
    zone.addEventListener('drop', function (event) {
      event.preventDefault();
      depth = 0;
      zone.classList.remove('is-dragover');
      if (event.dataTransfer) self.addFiles(event.dataTransfer.files);
    });
    // A file dropped next to the zone would otherwise replace the page, and
    // with it every upload in progress.
    ['dragover', 'drop'].forEach(function (type) {
      document.addEventListener(type, function (event) {
        if (!zone.contains(event.target)) event.preventDefault();
      });
    });
  };

  MediaUploader.prototype.say = function (message) {
    this.notice.textContent = message;
    this.notice.hidden = !message;
  };

  MediaUploader.prototype.createUppy = function () {
    var self = this;
    var uppy = new window.Uppy.Uppy({ autoProceed: true, allowMultipleUploadBatches: true });
    uppy.use(window.Uppy.Tus, {
      endpoint: this.endpoint,
      chunkSize: CHUNK_SIZE,
      limit: PARALLEL_FILES,
      retryDelays: RETRY_DELAYS,
      // Every tus request (POST, HEAD, PATCH, DELETE) goes through Django's
      // CSRF check for session users.
      headers: { 'X-CSRFToken': this.csrfToken },
      // Resume after a reload: the upload URL is stored under the file's
      // fingerprint and dropped once the upload is complete.
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      allowedMetaFields: ['filename', 'title', 'collection', 'tags'],
      onShouldRetry: function (error, attempt, options, next) {
        var status = tusErrorStatus(error);
        var body = tusErrorBody(error);
        // A duplicate (409 with existing_id) is final; a plain 409 is an
        // offset mismatch, which a retry resolves by asking for the offset.
        if (status === 409 && body && body.existing_id) return false;
        return next(error);
      }
    });

    uppy.on('upload-progress', function (file, progress) {
      self.onProgress(file, progress.bytesUploaded, progress.bytesTotal);
    });
    uppy.on('upload-pause', function (file, isPaused) {
      if (file) self.setPaused(file.id, isPaused);
    });
    uppy.on('upload-retry', function (file) {
      if (file) self.resetRow(file.id);
    });
    uppy.on('upload-success', function (file, response) {
      self.onSuccess(file, response);
    });
    uppy.on('upload-error', function (file, error, response) {
      self.onError(file, error, response);
    });
    uppy.on('file-removed', function (file) {
      self.removeRow(file.id);
    });
    return uppy;
  };

  MediaUploader.prototype.metadataFor = function (file) {
    var meta = { filename: file.name, title: titleFromName(file.name) };
    if (this.collectionInput && this.collectionInput.value) {
      meta.collection = this.collectionInput.value;
    }
    if (this.tagsInput && this.tagsInput.value.trim()) {
      meta.tags = this.tagsInput.value.trim();
    }
    return meta;
  };

  MediaUploader.prototype.addFiles = function (fileList) {
    var self = this;
    var skipped = [];
    this.say('');
    Array.prototype.forEach.call(fileList || [], function (file) {
      try {
        var id = self.uppy.addFile({
          name: file.name,
          type: file.type,
          data: file,
          source: 'Local',
          isRemote: false,
          meta: self.metadataFor(file)
        });
        self.addRow(self.uppy.getFile(id));
      } catch (error) {
        // Uppy refuses a file already in the list.
        skipped.push(file.name);
      }
    });
    if (skipped.length) {
      this.say('以下文件已在上传列表中，未重复添加：' + skipped.join('、'));
    }
  };

  // --- Rows -----------------------------------------------------------------

  MediaUploader.prototype.addRow = function (file) {
    var self = this;
    var row = el('li', 'media-upload-row');
    row.dataset.fileId = file.id;

    var head = el('div', 'media-upload-row__head');
    head.appendChild(el('span', 'media-upload-row__name', file.name));
    head.appendChild(el('span', 'media-upload-row__size', formatBytes(file.size)));
    var status = el('span', 'media-upload-row__status');
    head.appendChild(status);
    row.appendChild(head);

    var bar = el('progress', 'media-upload-row__bar');
    bar.max = 100;
    bar.value = 0;
    row.appendChild(bar);

    var stats = el('div', 'media-upload-row__stats');
    var percent = el('span', 'media-upload-row__percent', '0%');
    var speed = el('span', 'media-upload-row__speed');
    var eta = el('span', 'media-upload-row__eta');
    stats.appendChild(percent);
    stats.appendChild(speed);
    stats.appendChild(eta);
    row.appendChild(stats);

    var message = el('p', 'media-upload-row__message');
    message.hidden = true;
    row.appendChild(message);

    var actions = el('div', 'media-upload-row__actions');
    var pause = button('media-upload-row__pause', '暂停');
    var retry = button('media-upload-row__retry', '重试');
    var remove = button('media-upload-row__remove', '移除');
    retry.hidden = true;
    actions.appendChild(pause);
    actions.appendChild(retry);
    actions.appendChild(remove);
    row.appendChild(actions);

    pause.addEventListener('click', function () {
      self.uppy.pauseResume(file.id);
    });
    retry.addEventListener('click', function () {
      self.uppy.retryUpload(file.id).catch(function () {
        // Reported through the upload-error event.
      });
    });
    remove.addEventListener('click', function () {
      // Unfinished uploads are terminated on the server (tus DELETE).
      self.uppy.removeFile(file.id);
    });

    this.rows[file.id] = {
      row: row,
      status: status,
      bar: bar,
      percent: percent,
      speed: speed,
      eta: eta,
      message: message,
      pause: pause,
      retry: retry,
      samples: [],
      state: ''
    };
    this.setState(file.id, 'waiting');
    this.list.appendChild(row);
    this.hideStoredUpload(this.fingerprint(file));
  };

  MediaUploader.prototype.setState = function (fileId, state) {
    var parts = this.rows[fileId];
    if (!parts) return;
    parts.state = state;
    parts.row.className = 'media-upload-row is-' + state;
    parts.status.textContent = STATUS_TEXT[state];
    var active = state === 'waiting' || state === 'uploading' || state === 'paused';
    parts.pause.hidden = !active;
    parts.pause.textContent = state === 'paused' ? '继续' : '暂停';
    parts.retry.hidden = state !== 'error';
    if (state !== 'uploading') {
      parts.speed.textContent = '';
      parts.eta.textContent = '';
    }
  };

  MediaUploader.prototype.resetRow = function (fileId) {
    var parts = this.rows[fileId];
    if (!parts) return;
    parts.samples = [];
    parts.message.hidden = true;
    parts.message.textContent = '';
    this.setState(fileId, 'waiting');
  };

  MediaUploader.prototype.setPaused = function (fileId, isPaused) {
    var parts = this.rows[fileId];
    if (!parts || parts.state === 'done' || parts.state === 'error') return;
    parts.samples = [];
    this.setState(fileId, isPaused ? 'paused' : 'waiting');
  };

  MediaUploader.prototype.removeRow = function (fileId) {
    var parts = this.rows[fileId];
    if (!parts) return;
    parts.row.remove();
    delete this.rows[fileId];
  };

  MediaUploader.prototype.onProgress = function (file, uploaded, total) {
    var parts = this.rows[file.id];
    if (!parts || parts.state === 'done' || parts.state === 'error') return;
    var current = this.uppy.getFile(file.id);
    if (current && current.isPaused) return;
    var ratio = total ? uploaded / total : 0;
    parts.bar.value = Math.floor(ratio * 1000) / 10;
    parts.percent.textContent = (Math.floor(ratio * 1000) / 10).toFixed(1) + '%';
    if (total && uploaded >= total) {
      // Every byte is in; the server checks and stores the file before it
      // answers, which takes a moment for large files.
      this.setState(file.id, 'saving');
      return;
    }
    if (parts.state !== 'uploading') this.setState(file.id, 'uploading');

    var now = Date.now();
    var samples = parts.samples;
    samples.push({ time: now, bytes: uploaded });
    while (samples.length > 2 && now - samples[0].time > SPEED_WINDOW_MS) samples.shift();
    var first = samples[0];
    var elapsed = (now - first.time) / 1000;
    // The first sample after a resume is the offset the server already had,
    // so speed starts counting from there.
    if (elapsed < 0.5 || uploaded <= first.bytes) return;
    var speed = (uploaded - first.bytes) / elapsed;
    parts.speed.textContent = formatSpeed(speed);
    parts.eta.textContent = '剩余' + formatDuration((total - uploaded) / speed);
  };

  MediaUploader.prototype.onSuccess = function (file, response) {
    var parts = this.rows[file.id];
    if (!parts) return;
    var xhr = response && response.body && response.body.xhr;
    var assetId = xhr ? xhr.getResponseHeader('X-Media-Asset-Id') : '';
    var assetUrl = (xhr && xhr.getResponseHeader('X-Media-Asset-Url')) || this.detailUrl(assetId);
    this.setState(file.id, 'done');
    parts.bar.value = 100;
    parts.percent.textContent = '100%';
    parts.row.dataset.assetId = assetId || '';
    if (assetUrl) this.showLink(parts, assetUrl, '查看处理进度');
  };

  MediaUploader.prototype.showLink = function (parts, url, text) {
    var link = el('a', 'media-upload-row__link', text);
    link.href = url;
    // A new tab, so that the other uploads on this page keep going.
    link.target = '_blank';
    link.rel = 'noopener';
    parts.message.textContent = '';
    parts.message.hidden = false;
    parts.message.appendChild(link);
  };

  MediaUploader.prototype.onError = function (file, error, response) {
    var parts = this.rows[file.id];
    if (!parts) return;
    var xhr = response && response.body && response.body.xhr;
    var status = response && response.status ? response.status : 0;
    var body = errorBody(xhr);
    var text;
    if (body && body.error) {
      text = String(body.error);
    } else if (!status) {
      text = '网络连接中断，上传已停止。请检查网络后点“重试”，会从断点继续。';
    } else {
      text = '上传失败（HTTP ' + status + '），请稍后重试。';
    }
    this.setState(file.id, 'error');
    parts.message.hidden = false;
    parts.message.textContent = text;
    if (body && body.existing_id) {
      parts.message.appendChild(document.createTextNode(' '));
      var link = el('a', 'media-upload-row__link', '查看已有文件');
      link.href = this.detailUrl(body.existing_id);
      link.target = '_blank';
      link.rel = 'noopener';
      if (link.getAttribute('href')) parts.message.appendChild(link);
    }
    // The server decided (a refused file): resuming it later would only be
    // refused again, so its stored upload URL goes.
    if (status === 409 || status === 422) {
      parts.retry.hidden = true;
      forgetStoredUploads(this.fingerprint(file));
    }
  };

  MediaUploader.prototype.hasActiveUploads = function () {
    var rows = this.rows;
    return Object.keys(rows).some(function (id) {
      var state = rows[id].state;
      return state === 'uploading' || state === 'waiting' || state === 'saving';
    });
  };

  // --- Uploads left unfinished by an earlier visit --------------------------

  MediaUploader.prototype.showStoredUploads = function () {
    var self = this;
    var entries = storedUploads(this.endpoint);
    if (!entries.length) return;
    this.resumable.textContent = '';
    this.resumable.appendChild(
      el('p', 'media-uploader__resumable-title', '上次未完成的上传：重新选择同一文件即可从断点继续。')
    );
    var list = el('ul', 'media-upload-list media-upload-list--stored');
    this.resumable.appendChild(list);
    this.resumable.hidden = false;
    entries.forEach(function (entry) {
      var metadata = entry.upload.metadata || {};
      var item = el('li', 'media-upload-row is-paused');
      item.dataset.fingerprint = entry.fingerprint;
      var head = el('div', 'media-upload-row__head');
      head.appendChild(el('span', 'media-upload-row__name', metadata.filename || metadata.name || '未命名文件'));
      head.appendChild(el('span', 'media-upload-row__size', formatBytes(entry.upload.size)));
      var status = el('span', 'media-upload-row__status', '未完成');
      head.appendChild(status);
      item.appendChild(head);
      var actions = el('div', 'media-upload-row__actions');
      var discard = button('media-upload-row__remove', '放弃');
      actions.appendChild(discard);
      item.appendChild(actions);
      list.appendChild(item);
      discard.addEventListener('click', function () {
        discard.disabled = true;
        self.tusRequest('DELETE', entry.upload.uploadUrl).then(
          function () {
            forgetStoredUploads(entry.fingerprint);
            self.hideStoredUpload(entry.fingerprint);
          },
          function () {
            discard.disabled = false;
            status.textContent = '无法连接服务器，请稍后再试';
          }
        );
      });
      self.checkStoredUpload(entry, item, status);
    });
  };

  /* Ask the server how far an unfinished upload got (tus HEAD). */
  MediaUploader.prototype.checkStoredUpload = function (entry, item, status) {
    var self = this;
    this.tusRequest('HEAD', entry.upload.uploadUrl).then(
      function (response) {
        var assetId = response.headers.get('X-Media-Asset-Id');
        if (response.ok && assetId) {
          // It did finish; only the answer was lost.
          forgetStoredUploads(entry.fingerprint);
          item.className = 'media-upload-row is-done';
          status.textContent = STATUS_TEXT.done;
          var url = response.headers.get('X-Media-Asset-Url') || self.detailUrl(assetId);
          var message = el('p', 'media-upload-row__message');
          var link = el('a', 'media-upload-row__link', '查看处理进度');
          link.href = url;
          link.target = '_blank';
          link.rel = 'noopener';
          message.appendChild(link);
          item.appendChild(message);
          return;
        }
        if (!response.ok) {
          // Expired, removed, or refused: nothing left to resume.
          forgetStoredUploads(entry.fingerprint);
          self.hideStoredUpload(entry.fingerprint);
          return;
        }
        var offset = Number(response.headers.get('Upload-Offset'));
        var length = Number(response.headers.get('Upload-Length')) || entry.upload.size;
        if (length > 0 && offset >= 0) {
          status.textContent = '已上传 ' + ((offset / length) * 100).toFixed(1) + '%';
        }
      },
      function () {
        // Offline: keep the entry, the server decides later.
      }
    );
  };

  MediaUploader.prototype.tusRequest = function (method, url) {
    return window.fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: { 'Tus-Resumable': '1.0.0', 'X-CSRFToken': this.csrfToken }
    });
  };

  MediaUploader.prototype.hideStoredUpload = function (fingerprint) {
    var items = this.resumable.querySelectorAll('[data-fingerprint]');
    Array.prototype.forEach.call(items, function (item) {
      if (item.dataset.fingerprint === fingerprint) item.remove();
    });
    if (!this.resumable.querySelector('[data-fingerprint]')) this.resumable.hidden = true;
  };

  // --- Start ----------------------------------------------------------------

  function start() {
    var root = document.getElementById('media-upload');
    if (!root || root.dataset.uploaderReady) return;
    root.dataset.uploaderReady = 'true';
    if (!window.Uppy || !window.Uppy.Uppy || !window.Uppy.Tus) {
      root.textContent = '上传组件未能加载，请刷新页面；如仍有问题请联系管理员。';
      root.classList.add('media-uploader', 'is-broken');
      return;
    }
    root.mediaUploader = new MediaUploader(root);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
