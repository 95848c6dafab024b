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
