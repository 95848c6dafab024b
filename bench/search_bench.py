"""Search at 5,000 pages: the project's engine beside Wagtail's stock backend.

``pages`` (5,000) episode pages are generated under one programme, with
titles and summaries combined from word lists (places, science topics,
experts), and indexed in bulk as ``manage.py update_index`` does. The same
query set, Chinese as editors and the public type it (words from the middle
of titles, a place and a topic, an expert's name, Traditional characters, a
partial word), is then run through each engine as the public search page
does: the first ten live episodes, ranked.

The two engines share modelsearch's index table, so they run one after the
other, not interleaved: the stock database backend (what settings named
before ``search_engine``) indexes and answers first, then ours re-indexes the
same pages and answers. Each phase waits for the machine to go quiet, warms
up with one pass, then times ``rounds`` passes; the p95 is over every query
of every timed pass. Each engine's hits are counted too: the stock backend is
fast at finding nothing.

    .venv/bin/python -m bench.run --skip-pipeline --skip-upload --skip-api
"""

import math
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

STOCK = "wagtail.search.backends.database"
OURS = "search_engine.backends.database"

PLACES = [
    "鄂尔多斯",
    "库布其",
    "黄河",
    "康巴什",
    "乌审旗",
    "达拉特",
    "准格尔",
    "杭锦旗",
]
TOPICS = [
    "沙漠治理",
    "风能发电",
    "光伏电站",
    "古如歌",
    "马头琴",
    "降水概率",
    "一氧化碳",
    "恐龙化石",
    "湿地候鸟",
    "节水灌溉",
    "沙棘种植",
    "羊绒纺织",
    "氢能汽车",
    "星空观测",
    "蒙古族刺绣",
    "地下水",
]
PATTERNS = [
    "{place}的{topic}",
    "为什么要研究{topic}",
    "走进{place}：{topic}里的科学",
    "{topic}与{other}",
    "一分钟看懂{topic}",
]
EXPERTS = ["苏日娜", "王建国", "张明远", "其木格", "巴特尔", "李晓雯"]
PHRASES = [
    "用身边的事讲清楚科学道理",
    "实验演示与现场采访",
    "生态修复的科学原理",
    "从数据看变化",
    "中小学生也能听懂",
]
QUERIES = [
    "沙漠",
    "风能",
    "古如歌",
    "化石",
    "候鸟",
    "灌溉",
    "刺绣",
    "光伏",
    "库布其 沙漠",
    "黄河 地下水",
    "鄂尔多斯 马头琴",
    "沙漠治理",
    "苏日娜",
    "王建国 风能",
    "風能發電",
    "馬頭琴",
    "鄂尔多",
    "恐龙化",
    "生态修复",
    "星空",
]


def title_and_summary(number: int) -> tuple[str, str]:
    topic = TOPICS[number % len(TOPICS)]
    other = TOPICS[(number * 7 + 3) % len(TOPICS)]
    place = PLACES[(number // len(TOPICS)) % len(PLACES)]
    pattern = PATTERNS[(number // 3) % len(PATTERNS)]
    title = pattern.format(place=place, topic=topic, other=other) + f"（第{number}期）"
    expert = EXPERTS[number % len(EXPERTS)]
    phrase = PHRASES[number % len(PHRASES)]
    summary = f"{expert}讲解{topic}，{place}的{other}：{phrase}。"
    return title, summary


@dataclass
class EngineResult:
    name: str
    index_seconds: float = 0.0
    samples_ms: list[float] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 0.95)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else math.nan

    @property
    def queries_with_hits(self) -> int:
        return sum(1 for n in self.hits.values() if n)


@dataclass
class SearchResults:
    pages: int
    rounds: int
    queries: int
    engines: dict[str, EngineResult]
    contention: float = 0.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@contextmanager
def no_index_on_save(model):
    """``model`` saved without modelsearch's per-object indexing: the bench
    indexes every page in bulk, once per engine, as ``update_index`` does."""
    from django.db.models.signals import post_save
    from modelsearch.signal_handlers import post_save_signal_handler

    post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        yield
    finally:
        post_save.connect(post_save_signal_handler, sender=model)


def generate_pages(count: int, log) -> None:
    """``count`` live episodes under one programme, placed in the page tree
    directly (their tree paths computed here, not looked up page by page as
    ``add_child`` does): the bench times search, not page creation."""
    from django.db import transaction
    from wagtail.models import Page
    from wagtail.signal_handlers import disable_reference_index_auto_update

    from cms.core.models import DEFAULT_RIGHTS_HOLDER
    from cms.programmes.models import EpisodePage, ProgramPage

    rights = {
        "producing_unit": DEFAULT_RIGHTS_HOLDER,
        "rights_holder": DEFAULT_RIGHTS_HOLDER,
    }
    with (
        transaction.atomic(),
        no_index_on_save(EpisodePage),
        disable_reference_index_auto_update(),
    ):
        root = Page.get_first_root_node()
        programme = root.add_child(
            instance=ProgramPage(title="搜索基准节目", slug="search-bench")
        )
        depth = programme.depth + 1
        for number in range(1, count + 1):
            title, summary = title_and_summary(number)
            slug = f"e{number}"
            EpisodePage(
                title=title,
                slug=slug,
                episode_number=number,
                summary=summary,
                depth=depth,
                path=EpisodePage._get_path(programme.path, depth, number),
                numchild=0,
                url_path=f"{programme.url_path}{slug}/",
                locale_id=programme.locale_id,
                live=True,
                **rights,
            ).save(clean=False)
            if number % 1000 == 0:
                log(f"  {number} pages")
        Page.objects.filter(pk=programme.pk).update(numchild=count)


def _engine_settings(backend: str) -> dict:
    # AUTO_UPDATE off: the pages are indexed in bulk, once per engine.
    return {"default": {"BACKEND": backend, "AUTO_UPDATE": False}}


def run_engine(name: str, backend: str, *, rounds: int, quiet_wait: float, log):
    from django.core.management import call_command
    from django.test import override_settings
    from wagtail.search.backends import get_search_backend

    from cms.programmes.models import EpisodePage

    from .timing import wait_for_quiet

    result = EngineResult(name=name)
    with override_settings(WAGTAILSEARCH_BACKENDS=_engine_settings(backend)):
        start = time.monotonic()
        call_command("update_index", verbosity=0)
        result.index_seconds = time.monotonic() - start
        engine = get_search_backend()
        live = EpisodePage.objects.live()

        def first_page(query):
            return list(engine.search(query, live)[:10])

        for query in QUERIES:  # warm-up, and what each engine finds
            result.hits[query] = len(first_page(query))
        wait_for_quiet(max_seconds=quiet_wait)
        for _ in range(rounds):
            for query in QUERIES:
                start = time.perf_counter()
                first_page(query)
                result.samples_ms.append((time.perf_counter() - start) * 1000)
    log(f"  {name}: indexed in {result.index_seconds:.1f} s, p95 {result.p95:.2f} ms")
    return result


def run(*, pages: int, rounds: int, quiet_wait: float, log) -> SearchResults:
    from .machine import own_cpu_seconds, system_busy_seconds

    log(f"  generating {pages} episode pages")
    generate_pages(pages, log)
    busy, own, start = system_busy_seconds(), own_cpu_seconds(), time.monotonic()
    engines = {}
    for name, backend in (("stock", STOCK), ("ours", OURS)):
        engines[name] = run_engine(
            name, backend, rounds=rounds, quiet_wait=quiet_wait, log=log
        )
    wall = time.monotonic() - start
    from .timing import CORES

    foreign = max(0.0, system_busy_seconds() - busy - (own_cpu_seconds() - own))
    return SearchResults(
        pages=pages,
        rounds=rounds,
        queries=len(QUERIES),
        engines=engines,
        contention=foreign / (wall * CORES) if wall else 0.0,
    )


def ratios(results: SearchResults) -> dict:
    ours, stock = results.engines["ours"], results.engines["stock"]
    return {
        "search_p95_vs_stock": {
            "wall": ours.p95 / stock.p95 if stock.p95 else math.nan,
            "contention": results.contention,
        }
    }


def report(results: SearchResults) -> list[str]:
    lines = [
        f"Search: {results.pages} episode pages, {results.queries} Chinese queries × "
        f"{results.rounds} rounds, first 10 live results each",
        f"{'engine':<36}{'index':>9}{'median':>10}{'p95':>10}{'queries found':>16}",
    ]
    labels = {
        "stock": "Wagtail database backend (stock)",
        "ours": "search_engine (jieba + bigrams)",
    }
    for name, engine in results.engines.items():
        lines.append(
            f"{labels[name]:<36}{engine.index_seconds:>7.1f} s"
            f"{engine.median:>8.2f} ms{engine.p95:>8.2f} ms"
            f"{f'{engine.queries_with_hits}/{results.queries}':>16}"
        )
    ours, stock = results.engines["ours"], results.engines["stock"]
    lines.append(
        f"p95 ours ÷ stock: {ours.p95 / stock.p95:.2f}; others took "
        f"{results.contention:.0%} of the CPU meanwhile"
    )
    return lines
