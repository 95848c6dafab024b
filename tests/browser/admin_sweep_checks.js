// The admin sweep's checks, run in each page (tests/browser/test_admin_sweep.py).
// Returns what is wrong with the page, its visible texts (to look for
// English in) and where its links lead, as plain data.
({maxIconPx}) => {
  const problems = [];
  const visible = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden') return false;
      if (e.hidden || e.getAttribute('aria-hidden') === 'true' && e.tagName !== 'svg') {
        // aria-hidden chrome (icons) is not text a person reads
        if (e !== el) return false;
      }
    }
    const rects = el.getClientRects();
    if (!rects.length) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const describe = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = (el.getAttribute('class') || '').trim().split(/\s+/).slice(0, 3)
      .filter(Boolean).map(c => '.' + c).join('');
    return el.tagName.toLowerCase() + id + cls;
  };

  // Text: every visible text node, with whether it sits in a data cell.
  const texts = [];
  const skipTags = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'CODE',
                            'PRE', 'KBD', 'SAMP', 'TEXTAREA', 'OPTION']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (!text || !/[A-Za-z]/.test(text)) continue;
    const el = node.parentElement;
    if (!el || el.closest('script,style,noscript,template,code,pre,kbd,samp,' +
                         'textarea,select,[contenteditable=true] [data-contents]')) {
      continue;
    }
    if (!visible(el)) continue;
    const cell = el.closest('td, dd, .title-wrapper, .w-breadcrumbs, ' +
                            '.sidebar-footer__account, .chooser__title, ' +
                            '[data-w-breadcrumbs-target], .w-header__subtitle, ' +
                            'h1.w-header__title');
    texts.push({text, data: !!cell && !el.closest('th'), where: describe(el)});
  }
  for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (visible(input) && /[A-Za-z]/.test(input.placeholder)) {
      texts.push({text: input.placeholder, data: false, where: describe(input) + '[placeholder]'});
    }
  }
  texts.push({text: document.title, data: false, where: 'title'});

  // Sideways: the document, and any element past a box that clips it.
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px ` +
                  `wide in a ${width}px window`);
  }
  const clips = (e) => {
    const s = getComputedStyle(e);
    return s.overflowX !== 'visible' || e === document.body;
  };
  const reported = new Set();
  for (const el of document.querySelectorAll('main *, .w-header *, .content *')) {
    // The editor's minimap is a drawer Wagtail parks half out of the column
    // while it is closed; the rest are hidden or floating on purpose.
    if (!visible(el) || el.closest('.w-sr-only, .visuallyhidden, [role=tooltip], ' +
                                   '.w-dropdown__content, .tippy-box, .w-minimap')) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1) continue;
    // Visually hidden on purpose (a file input under its label button).
    const own = getComputedStyle(el);
    if (own.clip !== 'auto' || own.clipPath !== 'none') continue;
    let box = el.parentElement;
    while (box && !clips(box)) box = box.parentElement;
    const boxRect = box ? box.getBoundingClientRect() : null;
    // A clipping box a few pixels wide hides its content on purpose (the
    // page title's panel heading, kept for screen readers).
    if (boxRect && boxRect.width < 16) continue;
    const boxRight = box ? Math.min(boxRect.right, width) : width;
    // A scrolling box (a wide table in its scroller) is meant to be scrolled.
    const scrolls = box && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    // A drawer parked outside its box (the editor's minimap) is closed, not
    // overflowing: only what starts inside and runs out counts.
    if (!scrolls && r.left < boxRight && r.right > boxRight + 2) {
      let outer = el;
      while (outer.parentElement && reported.has(outer.parentElement)) outer = outer.parentElement;
      reported.add(el);
      if (outer === el && !(el.parentElement && reported.has(el.parentElement))) {
        problems.push(`${describe(el)} runs ${Math.round(r.right - boxRight)}px past ` +
                      `the right edge of ${box ? describe(box) : 'the window'}`);
      }
    }
  }

  // Pictures that did not load, and icons blown up in buttons and links.
  for (const img of document.images) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute('src')) {
      problems.push(`image did not load: ${img.getAttribute('src')}`);
    }
  }
  const iconSelector = ['button', 'a', '.button'].map(b => b + ' svg.icon').join(', ');
  for (const svg of document.querySelectorAll(iconSelector)) {
    if (!visible(svg)) continue;
    const r = svg.getBoundingClientRect();
    if (r.width > maxIconPx || r.height > maxIconPx) {
      const owner = svg.closest('button, a, .button');
      problems.push(`icon ${Math.round(r.width)}×${Math.round(r.height)}px in ` +
                    `${describe(owner)} "${owner.textContent.trim().slice(0, 30)}"`);
    }
  }

  // Where links lead: sidebar entries (from its own data), then everything
  // in the page's main part, listings' first rows and header actions first.
  const sidebar = [];
  const props = document.getElementById('wagtail-sidebar-props');
  if (props) {
    const walk = (value) => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        if (typeof value.url === 'string') sidebar.push(value.url);
        Object.values(value).forEach(walk);
      }
    };
    walk(JSON.parse(props.textContent));
  }
  const links = [];
  const add = (a) => { const href = a.getAttribute('href'); if (href) links.push(href); };
  document.querySelectorAll('table tbody tr:first-child a[href], ' +
                            '.listing tbody tr:first-child a[href]').forEach(add);
  document.querySelectorAll('.w-header a[href], header a[href], ' +
                            '.w-slim-header a[href]').forEach(add);
  document.querySelectorAll('main a[href]').forEach(add);
  return {problems, texts, sidebar, links};
}
