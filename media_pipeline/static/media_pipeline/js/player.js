/*
 * Plays every <video data-hls-src="…master.m3u8" data-mp4-src="…mp4">:
 *
 * 1. hls.js (vendor/hls.js/hls.min.js, global `Hls`) where Media Source
 *    Extensions exist: adaptive bitrate from the HLS ladder;
 * 2. otherwise native HLS (Safari on iOS);
 * 3. otherwise, and whenever hls.js hits a fatal error, the MP4.
 *
 * Which one was chosen is written to `data-player` ("hls", "native", "mp4"),
 * for styling and for the browser tests. `window.BaigaliPlayer.attach(video)`
 * attaches a video added to the page later.
 *
 * Plain ES2017 for a <script> tag: no bundler, no optional chaining.
 */
(function () {
  'use strict';

  var HLS_MIME = 'application/vnd.apple.mpegurl';

  /* Switch to the MP4 where the viewer was, keeping play/pause. */
  function useMp4(video) {
    var mp4 = video.dataset.mp4Src;
    if (video.dataset.player === 'mp4') return;
    video.dataset.player = 'mp4';
    if (!mp4) return;
    // Already loading it through its own <source>: leave it be.
    if (video.currentSrc && video.currentSrc === new URL(mp4, document.baseURI).href) return;
    var position = video.currentTime || 0;
    var wasPlaying = !video.paused;
    video.src = mp4;
    if (position) {
      video.addEventListener(
        'loadedmetadata',
        function () {
          try {
            video.currentTime = position;
          } catch (error) {
            // Not seekable yet: start from the beginning.
          }
        },
        { once: true }
      );
    }
    if (wasPlaying) {
      var played = video.play();
      if (played && played.catch) played.catch(function () {});
    }
  }

  function attachHlsJs(video, source) {
    var hls = new window.Hls({
      // Never fetch a rendition wider than the player shows.
      capLevelToPlayerSize: true,
      // The ladder is VOD: no low-latency live edge to chase.
      lowLatencyMode: false
    });
    var mediaRecoveries = 0;
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      if (!data || !data.fatal) return;
      // A decoding hiccup is worth one recovery attempt before giving up
      // adaptive streaming; anything else goes straight to the MP4.
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 1) {
        mediaRecoveries += 1;
        hls.recoverMediaError();
        return;
      }
      hls.destroy();
      video.hls = null;
      useMp4(video);
    });
    hls.loadSource(source);
    hls.attachMedia(video);
    video.hls = hls;
    video.dataset.player = 'hls';
  }

  function attach(video) {
    if (!video || video.dataset.player) return;
    var source = video.dataset.hlsSrc;
    if (!source) {
      useMp4(video);
      return;
    }
    if (window.Hls && window.Hls.isSupported()) {
      attachHlsJs(video, source);
    } else if (video.canPlayType(HLS_MIME)) {
      video.dataset.player = 'native';
      video.addEventListener(
        'error',
        function () {
          if (video.dataset.player === 'native') useMp4(video);
        },
        { once: true }
      );
      video.src = source;
    } else {
      useMp4(video);
    }
  }

  function attachAll(root) {
    var videos = (root || document).querySelectorAll('video[data-hls-src]');
    Array.prototype.forEach.call(videos, attach);
  }

  window.BaigaliPlayer = { attach: attach, attachAll: attachAll };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () {
      attachAll(document);
    });
  } else {
    attachAll(document);
  }
})();

/*
 * What people expect of a player, on every <figure data-media-player>
 * (templates/media_pipeline/includes/player.html), over the native controls
 * (which keep subtitles, fullscreen and the no-JavaScript case working):
 *
 * - a scrub bar that shows the pipeline's sprite thumbnails on hover, read
 *   from the WebVTT track in `data-sprite-vtt` (cues "sprite_001.jpg#xywh=");
 * - playback speed;
 * - keyboard: space/K play and pause, ←/→ 5 s, J/L 10 s, ↑/↓ volume,
 *   M mute, F fullscreen, 0–9 jump to a tenth;
 * - for long programmes (`data-remember-position`), the position kept in
 *   localStorage per asset and offered back on the next visit.
 *
 * Styles are set through the CSSOM (element.style), which the CSP allows.
 */
(function () {
  'use strict';

  var SEEK_STEP = 5;
  var LONG_STEP = 10;
  var SAVE_EVERY_MS = 5000;
  // Not worth resuming this near either end.
  var RESUME_MARGIN = 5;
  var STORAGE_PREFIX = 'baigali:position:';

  function formatTime(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = h ? String(m).padStart(2, '0') : String(m);
    return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
  }

  function parseTimestamp(text) {
    var parts = text.trim().split(':').map(parseFloat);
    var seconds = 0;
    parts.forEach(function (part) {
      seconds = seconds * 60 + part;
    });
    return seconds;
  }

  /* The cues of a sprite WebVTT: [{start, end, url, x, y, w, h}]. */
  function parseSpriteVtt(text, base) {
    var cues = [];
    text.replace(/\r/g, '').split('\n\n').forEach(function (block) {
      var lines = block.trim().split('\n');
      var timing = lines.findIndex(function (line) {
        return line.indexOf('-->') !== -1;
      });
      if (timing === -1 || !lines[timing + 1]) return;
      var times = lines[timing].split('-->');
      var target = lines[timing + 1].trim();
      var hash = target.indexOf('#xywh=');
      if (hash === -1) return;
      var box = target.slice(hash + 6).split(',').map(Number);
      cues.push({
        start: parseTimestamp(times[0]),
        end: parseTimestamp(times[1]),
        url: new URL(target.slice(0, hash), base).href,
        x: box[0],
        y: box[1],
        w: box[2],
        h: box[3]
      });
    });
    return cues;
  }

  function cueAt(cues, time) {
    for (var i = 0; i < cues.length; i += 1) {
      if (time >= cues[i].start && time < cues[i].end) return cues[i];
    }
    return cues.length && time >= cues[cues.length - 1].end ? cues[cues.length - 1] : null;
  }

  function loadSprites(media, figure) {
    var source = media.dataset.spriteVtt;
    figure.spriteCues = [];
    if (!source) return;
    var base = new URL(source, document.baseURI).href;
    fetch(base, { credentials: 'same-origin' })
      .then(function (response) {
        return response.ok ? response.text() : '';
      })
      .then(function (text) {
        figure.spriteCues = text ? parseSpriteVtt(text, base) : [];
        figure.dataset.sprites = String(figure.spriteCues.length);
      })
      .catch(function () {
        figure.dataset.sprites = '0';
      });
  }

  function setupScrub(media, figure) {
    var scrub = figure.querySelector('[data-player-scrub]');
    var played = figure.querySelector('[data-player-played]');
    var preview = figure.querySelector('[data-player-preview]');
    var thumb = figure.querySelector('[data-player-thumb]');
    var previewTime = figure.querySelector('[data-player-preview-time]');
    if (!scrub) return;

    function timeAt(event) {
      var box = scrub.getBoundingClientRect();
      var fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      return { fraction: fraction, time: fraction * (media.duration || 0) };
    }

    function update() {
      var duration = media.duration || 0;
      var fraction = duration ? media.currentTime / duration : 0;
      played.style.width = fraction * 100 + '%';
      scrub.setAttribute('aria-valuemax', String(Math.round(duration)));
      scrub.setAttribute('aria-valuenow', String(Math.round(media.currentTime)));
      scrub.setAttribute(
        'aria-valuetext',
        formatTime(media.currentTime) + ' / ' + formatTime(duration)
      );
    }

    scrub.addEventListener('mousemove', function (event) {
      if (!media.duration) return;
      var at = timeAt(event);
      previewTime.textContent = formatTime(at.time);
      var cue = cueAt(figure.spriteCues || [], at.time);
      if (cue) {
        thumb.hidden = false;
        thumb.style.width = cue.w + 'px';
        thumb.style.height = cue.h + 'px';
        thumb.style.backgroundImage = 'url("' + cue.url + '")';
        thumb.style.backgroundPosition = -cue.x + 'px ' + -cue.y + 'px';
        thumb.dataset.cueStart = String(cue.start);
      } else {
        thumb.hidden = true;
      }
      preview.hidden = false;
      preview.style.left = at.fraction * 100 + '%';
    });
    scrub.addEventListener('mouseleave', function () {
      preview.hidden = true;
    });
    scrub.addEventListener('click', function (event) {
      if (media.duration) media.currentTime = timeAt(event).time;
    });
    ['timeupdate', 'durationchange', 'seeked', 'loadedmetadata'].forEach(function (name) {
      media.addEventListener(name, update);
    });
    update();
  }

  function setupSpeed(media, figure) {
    var select = figure.querySelector('[data-player-speed]');
    if (!select) return;
    select.addEventListener('change', function () {
      media.playbackRate = parseFloat(select.value) || 1;
    });
    media.addEventListener('ratechange', function () {
      select.value = String(media.playbackRate);
    });
  }

  function seekBy(media, seconds) {
    var end = media.duration || Infinity;
    media.currentTime = Math.min(end, Math.max(0, media.currentTime + seconds));
  }

  function togglePlay(media) {
    if (media.paused) {
      var played = media.play();
      if (played && played.catch) played.catch(function () {});
    } else {
      media.pause();
    }
  }

  function setupKeys(media, figure) {
    figure.addEventListener('keydown', function (event) {
      var target = event.target;
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      // Form controls keep their own keys (the speed menu, the restart button).
      if (target.matches('select, button, a, input, textarea')) return;
      var key = event.key;
      var handled = true;
      if (key === ' ' || key === 'k' || key === 'K') togglePlay(media);
      else if (key === 'ArrowLeft') seekBy(media, -SEEK_STEP);
      else if (key === 'ArrowRight') seekBy(media, SEEK_STEP);
      else if (key === 'j' || key === 'J') seekBy(media, -LONG_STEP);
      else if (key === 'l' || key === 'L') seekBy(media, LONG_STEP);
      else if (key === 'ArrowUp') media.volume = Math.min(1, media.volume + 0.1);
      else if (key === 'ArrowDown') media.volume = Math.max(0, media.volume - 0.1);
      else if (key === 'm' || key === 'M') media.muted = !media.muted;
      else if ((key === 'f' || key === 'F') && media.requestFullscreen) {
        if (document.fullscreenElement) document.exitFullscreen();
        else media.requestFullscreen().catch(function () {});
      } else if (/^[0-9]$/.test(key) && media.duration) {
        media.currentTime = (media.duration * Number(key)) / 10;
      } else handled = false;
      // Also keeps the native controls from handling the same key twice.
      if (handled) event.preventDefault();
    });
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: nothing is remembered
    }
  }

  function setupMemory(media, figure) {
    var store = storage();
    if (!store || !figure.hasAttribute('data-remember-position')) return;
    var key = STORAGE_PREFIX + figure.dataset.assetKey;
    var lastSaved = 0;
    var resume = figure.querySelector('[data-player-resume]');

    function save(force) {
      var now = Date.now();
      if (!force && now - lastSaved < SAVE_EVERY_MS) return;
      lastSaved = now;
      var time = media.currentTime;
      if (time > RESUME_MARGIN && time < (media.duration || Infinity) - RESUME_MARGIN) {
        store.setItem(key, String(Math.floor(time)));
      } else {
        store.removeItem(key);
      }
    }

    media.addEventListener(
      'loadedmetadata',
      function () {
        var saved = parseFloat(store.getItem(key));
        if (!(saved > RESUME_MARGIN && saved < media.duration - RESUME_MARGIN)) return;
        media.currentTime = saved;
        figure.dataset.resumedAt = String(saved);
        if (resume) {
          resume.querySelector('[data-player-resume-text]').textContent =
            '已从上次看到的 ' + formatTime(saved) + ' 继续';
          resume.hidden = false;
          resume.querySelector('[data-player-restart]').addEventListener(
            'click',
            function () {
              media.currentTime = 0;
              store.removeItem(key);
              resume.hidden = true;
            },
            { once: true }
          );
        }
      },
      { once: true }
    );
    media.addEventListener('timeupdate', function () {
      save(false);
    });
    media.addEventListener('pause', function () {
      save(true);
    });
    media.addEventListener('seeked', function () {
      save(true);
    });
    media.addEventListener('ended', function () {
      store.removeItem(key);
    });
    window.addEventListener('pagehide', function () {
      save(true);
    });
  }

  function enhance(figure) {
    if (figure.dataset.enhanced) return;
    var media = figure.querySelector('video, audio');
    if (!media) return;
    figure.dataset.enhanced = 'true';
    var bar = figure.querySelector('[data-player-bar]');
    if (bar) bar.hidden = false;
    if (!figure.hasAttribute('tabindex')) figure.tabIndex = -1;
    loadSprites(media, figure);
    setupScrub(media, figure);
    setupSpeed(media, figure);
    setupKeys(media, figure);
    setupMemory(media, figure);
    // Metadata is needed for the scrub bar and to resume; HLS pages preload none.
    if (media.preload === 'none') media.preload = 'metadata';
  }

  function enhanceAll() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-media-player]'), enhance);
  }

  window.BaigaliPlayer = window.BaigaliPlayer || {};
  window.BaigaliPlayer.enhance = enhance;
  window.BaigaliPlayer.parseSpriteVtt = parseSpriteVtt;

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', enhanceAll);
  } else {
    enhanceAll();
  }
})();
