"""Demo content: the brand's real programmes and works, a few episodes each.

Every step looks up what it would create first, so loading twice changes
nothing. Images are generated with Pillow and saved through Wagtail's image
model, that is through ``default_storage``, so the demo works on S3 as well.
"""

import colorsys
import datetime as dt
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from brand_assets.demo import demo_brand_assets
from cms.awards.models import Award, AwardResult, HonouredWork
from cms.broadcasters.models import Broadcaster, Channel, Medium
from cms.core.models import DEFAULT_RIGHTS_HOLDER
from cms.home.models import HomeFeaturedProgramme, HomePage
from cms.music.models import MusicCredit, MusicForm, MusicWorkIndexPage, MusicWorkPage
from cms.people.models import Person
from cms.programmes.models import (
    EpisodePage,
    EpisodeParticipant,
    EpisodeRole,
    HostRole,
    ProgramAiring,
    ProgramHost,
    ProgramIndexPage,
    ProgramPage,
)
from cms.schedules.demo import demo_schedules
from cms.videos.models import (
    Orientation,
    ShortVideoCredit,
    ShortVideoPage,
    VideoIndexPage,
    VideoRole,
    VideoSeriesPage,
)
from screens.demo import demo_screens
from syndication.demo import demo_syndication

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN_USERNAME = "admin"
PASSWORD_FILE_NAME = "demo-admin-password"
# Everything in the demo is the association's own work, produced and owned.
PRODUCTION_RIGHTS = {
    "producing_unit": DEFAULT_RIGHTS_HOLDER,
    "rights_holder": DEFAULT_RIGHTS_HOLDER,
}

PEOPLE = [
    ("乌兰", "百嘎丽科普开讲 主持人"),
    ("张明远", "鄂尔多斯市科学技术协会 科普部"),
    ("苏日娜", "内蒙古大学 生态学教授"),
    ("王建国", "鄂尔多斯市气象局 高级工程师"),
    ("巴特尔", "鄂尔多斯民族歌舞剧院 歌唱家"),
    ("李晓雯", "青年作曲家"),
    ("其木格", "古如歌非遗传承人"),
    ("陈思源", "短视频导演"),
]

PROGRAMMES = [
    {
        "slug": "baigali-kepu-kaijiang",
        "title": "百嘎丽科普开讲",
        "description": "<p>鄂尔多斯市科学技术协会出品的电视、广播科普节目，"
        "请专家用身边的事讲清楚科学道理。</p>",
        "airings": [
            ("新闻综合频道", "每周六 19:30 首播"),
            ("交通音乐广播", "每周日 10:00"),
        ],
        "hosts": ["乌兰"],
        "featured": True,
        "episodes": [
            ("库布其沙漠的绿色奇迹", "苏日娜", "沙漠治理与生态修复的科学原理。"),
            ("黄河几字弯的泥沙从哪里来", "苏日娜", "黄河泥沙的来源、输移与治理。"),
            ("读懂天气预报里的降水概率", "王建国", "降水概率是什么意思，怎样用好它。"),
            ("冬季取暖如何预防一氧化碳中毒", "张明远", "一氧化碳的产生、危害与防范。"),
        ],
    },
    {
        "slug": "keji-wei-ketang",
        "title": "科技微课堂",
        "description": "<p>面向中小学生的网络科普微课，每集讲透一个知识点。</p>",
        "airings": [("百嘎丽新媒体", "每周三更新")],
        "hosts": ["张明远"],
        "featured": False,
        "episodes": [
            ("为什么风能发电", "王建国", "风力发电机把风的动能变成电能的过程。"),
            ("星空里的光年", "张明远", "光年是距离单位，不是时间单位。"),
        ],
    },
]

VIDEO_SERIES = {
    "slug": "feiyi-li-de-kepu",
    "title": "百嘎丽带你看非遗里的科普",
    "description": "<p>走进鄂尔多斯的非物质文化遗产，发现其中的科学。</p>",
    "videos": [
        ("鄂尔多斯古如歌", Orientation.LANDSCAPE, "古如歌的长调与发声的声学原理。"),
        ("马头琴为什么能发出马嘶声", Orientation.LANDSCAPE, "琴弦、琴箱与共鸣。"),
        ("一分钟看懂蒙古族刺绣的配色", Orientation.PORTRAIT, "色彩搭配里的光学。"),
    ],
}

MUSIC_WORKS = [
    (
        "baigali-zhi-ge",
        "百嘎丽之歌",
        MusicForm.SONG,
        2023,
        [("作词", "李晓雯"), ("作曲", "李晓雯"), ("演唱", "巴特尔")],
    ),
    ("kejian-cao", "百嘎丽课间操", MusicForm.SONG, 2024, [("作曲", "李晓雯")]),
    ("caoyuan-xingkong", "草原星空", MusicForm.STRINGS, 2024, [("作曲", "李晓雯")]),
    ("zhixiang-kexuejia", "致敬科学家", MusicForm.POETRY, 2024, [("朗诵", "乌兰")]),
]
MUSIC_ROLE_BY_LABEL = {
    "作词": "lyricist",
    "作曲": "composer",
    "演唱": "singer",
    "朗诵": "reciter",
}


@dataclass
class DemoResult:
    site_url: str
    admin_username: str
    admin_password: str | None
    password_source: str


def generated_cover(title: str, size=(1280, 720)) -> ImageFile:
    """A gradient cover whose colours are derived from the title."""
    digest = hashlib.sha256(title.encode()).digest()
    hue = digest[0] / 255
    top = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.55, 0.55))
    bottom = tuple(
        int(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.12) % 1, 0.6, 0.9)
    )
    image = PILImage.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    width, height = size
    for y in range(height):
        t = y / height
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    radius = height // 4 + digest[1] % (height // 6)
    cx, cy = width * (0.55 + digest[2] / 1024), height / 2
    draw.ellipse(
        [cx - radius, cy - radius, cx + radius, cy + radius],
        outline=(255, 255, 255),
        width=max(4, height // 90),
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    name = f"demo-{hashlib.sha1(title.encode()).hexdigest()[:10]}.png"
    return ImageFile(buffer, name=name)


def demo_cover(title: str):
    Image = get_image_model()
    cover_title = f"演示封面：{title}"
    existing = Image.objects.filter(title=cover_title).first()
    if existing:
        return existing
    return Image.objects.create(title=cover_title, file=generated_cover(title))


def child_page(parent: Page, model, slug: str, **fields) -> Page:
    """The live child of ``parent`` with ``slug``, created and published if new."""
    existing = parent.get_children().filter(slug=slug).first()
    if existing:
        return existing.specific
    inline = fields.pop("inline", {})
    page = model(slug=slug, **fields)
    for relation, items in inline.items():
        setattr(page, relation, items)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def demo_people() -> dict[str, Person]:
    people = {}
    for name, title in PEOPLE:
        people[name], _ = Person.objects.get_or_create(
            name=name, defaults={"title": title}
        )
    return people


def demo_channels() -> dict[str, Channel]:
    channels_spec = {
        "鄂尔多斯广播电视台": (
            "鄂尔多斯台",
            [
                ("新闻综合频道", Medium.TV, ""),
                ("交通音乐广播", Medium.RADIO, "FM 95.4"),
            ],
        ),
        "百嘎丽新媒体": ("百嘎丽", [("百嘎丽新媒体", Medium.ONLINE, "")]),
    }
    channels = {}
    for name, (short_name, specs) in channels_spec.items():
        broadcaster, _ = Broadcaster.objects.get_or_create(
            name=name, defaults={"short_name": short_name}
        )
        for channel_name, medium, frequency in specs:
            channels[channel_name], _ = Channel.objects.get_or_create(
                broadcaster=broadcaster,
                name=channel_name,
                defaults={"medium": medium, "frequency": frequency},
            )
    return channels


def demo_home() -> HomePage:
    """The brand's home page as the default site's root."""
    site = Site.objects.filter(is_default_site=True).first()
    if site and isinstance(site.root_page.specific, HomePage):
        return site.root_page.specific
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(
            title="百嘎丽",
            slug="baigali",
            tagline="把科学讲给草原听",
            intro="百嘎丽是鄂尔多斯市科学技术协会的科普品牌：电视广播节目、"
            "新媒体短视频、音乐与艺术作品，以及走进校园和社区的科普活动。",
            hero_image=demo_cover("百嘎丽"),
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="百嘎丽",
        )
    else:
        old_root = site.root_page
        site.root_page = home
        site.site_name = "百嘎丽"
        site.save()
        # Wagtail's placeholder welcome page is not part of the brand's tree.
        if old_root.pk != home.pk and old_root.specific_class is Page:
            old_root.delete()
    return home


def demo_programmes(home, people, channels) -> list[ProgramPage]:
    index = child_page(
        home,
        ProgramIndexPage,
        "programmes",
        title="节目",
        show_in_menus=True,
        intro="<p>百嘎丽的电视、广播与网络科普节目。</p>",
    )
    programmes = []
    for spec in PROGRAMMES:
        programme = child_page(
            index,
            ProgramPage,
            spec["slug"],
            title=spec["title"],
            description=spec["description"],
            cover=demo_cover(spec["title"]),
            inline={
                "airings": [
                    ProgramAiring(channel=channels[c], schedule=s)
                    for c, s in spec["airings"]
                ],
                "hosts": [
                    ProgramHost(person=people[n], role=HostRole.HOST)
                    for n in spec["hosts"]
                ],
            },
        )
        programmes.append((programme, spec))
        first_channel = channels[spec["airings"][0][0]]
        for number, (title, expert, summary) in enumerate(spec["episodes"], 1):
            child_page(
                programme,
                EpisodePage,
                f"episode-{number}",
                title=title,
                episode_number=number,
                air_at=dt.datetime(2024, 3, 2, 19, 30, tzinfo=SHANGHAI)
                + dt.timedelta(weeks=number - 1),
                channel=first_channel,
                duration=dt.timedelta(minutes=26, seconds=30),
                summary=summary,
                cover=demo_cover(title),
                **PRODUCTION_RIGHTS,
                inline={
                    "participants": [
                        EpisodeParticipant(
                            person=people[spec["hosts"][0]], role=EpisodeRole.HOST
                        ),
                        EpisodeParticipant(
                            person=people[expert], role=EpisodeRole.EXPERT
                        ),
                    ]
                },
            )
    return [p for p, spec in programmes if spec["featured"]]


def demo_videos(home, people) -> dict[str, ShortVideoPage]:
    index = child_page(
        home,
        VideoIndexPage,
        "videos",
        title="短视频",
        show_in_menus=True,
        intro="<p>新媒体科普短视频。</p>",
    )
    series = child_page(
        index,
        VideoSeriesPage,
        VIDEO_SERIES["slug"],
        title=VIDEO_SERIES["title"],
        description=VIDEO_SERIES["description"],
        cover=demo_cover(VIDEO_SERIES["title"]),
    )
    videos = {}
    for number, (title, orientation, summary) in enumerate(VIDEO_SERIES["videos"], 1):
        videos[title] = child_page(
            series,
            ShortVideoPage,
            f"video-{number}",
            title=title,
            number_in_series=number,
            orientation=orientation,
            duration=dt.timedelta(minutes=3, seconds=20),
            release_date=dt.date(2024, 5, 1) + dt.timedelta(weeks=number - 1),
            summary=summary,
            cover=demo_cover(title),
            **PRODUCTION_RIGHTS,
            inline={
                "credits": [
                    ShortVideoCredit(person=people["陈思源"], role=VideoRole.DIRECTOR),
                    ShortVideoCredit(person=people["其木格"], role=VideoRole.PRESENTER),
                ]
            },
        )
    return videos


def demo_music(home, people) -> None:
    index = child_page(
        home,
        MusicWorkIndexPage,
        "music",
        title="音乐作品",
        show_in_menus=True,
        intro="<p>百嘎丽的歌曲、器乐、诗歌与音乐剧。</p>",
    )
    for slug, title, form, year, credits in MUSIC_WORKS:
        child_page(
            index,
            MusicWorkPage,
            slug,
            title=title,
            form=form,
            year=year,
            cover=demo_cover(title),
            **PRODUCTION_RIGHTS,
            lyrics="草原辽阔 星空明亮\n科学的种子 在这里生长"
            if form == MusicForm.SONG
            else "",
            inline={
                "credits": [
                    MusicCredit(person=people[n], role=MUSIC_ROLE_BY_LABEL[r])
                    for r, n in credits
                ]
            },
        )


def demo_award(videos) -> None:
    award, created = Award.objects.get_or_create(
        name="典赞·科普中国",
        year=2024,
        defaults={
            "category": "年度科普作品",
            "issuer": "中国科学技术协会",
            "result": AwardResult.NOMINATED,
        },
    )
    HonouredWork.objects.get_or_create(award=award, page=videos["鄂尔多斯古如歌"])


def demo_featured(home, programmes) -> None:
    for order, programme in enumerate(programmes):
        HomeFeaturedProgramme.objects.get_or_create(
            page=home, programme=programme, defaults={"sort_order": order}
        )


def demo_admin() -> tuple[str | None, str]:
    """Ensure the demo superuser; return its password if we know it and where
    it came from."""
    User = get_user_model()
    password_file = Path(settings.VAR_DIR) / PASSWORD_FILE_NAME
    password = os.environ.get("DEMO_ADMIN_PASSWORD")
    source = "DEMO_ADMIN_PASSWORD"
    if not password and password_file.exists():
        password, source = password_file.read_text().strip(), str(password_file)
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        if not password:
            password = secrets.token_urlsafe(12)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            password_file.chmod(0o600)
            source = f"generated, saved in {password_file}"
        User.objects.create_superuser(
            ADMIN_USERNAME, email="admin@example.com", password=password
        )
    elif password and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return password, source


def demo_attach_media(videos) -> None:
    """Put the sample media on pages, publishing each page once."""
    from media_pipeline.demo import demo_media_assets

    media = demo_media_assets()
    landscape = media["演示视频：库布其的星空（16:9）"]
    attachments = [
        (
            EpisodePage.objects.get(slug="episode-1", title="库布其沙漠的绿色奇迹"),
            landscape,
        ),
        (videos["鄂尔多斯古如歌"], landscape),
        (videos["一分钟看懂蒙古族刺绣的配色"], media["演示视频：刺绣配色（9:16）"]),
        (
            MusicWorkPage.objects.get(slug="baigali-zhi-ge"),
            media["演示音频：百嘎丽之歌"],
        ),
    ]
    for page, asset in attachments:
        if page.media_asset_id != asset.pk and asset.is_ready:
            page.media_asset = asset
            page.save_revision().publish()


@transaction.atomic
def demo_load(*, with_media: bool = True) -> DemoResult:
    people = demo_people()
    channels = demo_channels()
    home = demo_home()
    featured = demo_programmes(home, people, channels)
    demo_schedules()
    videos = demo_videos(home, people)
    demo_music(home, people)
    demo_award(videos)
    demo_featured(home, featured)
    if with_media:
        demo_attach_media(videos)
    # After the media, or every delivery would show as out of date at once.
    demo_syndication()
    # After syndication: the brand library licenses its demo partner.
    demo_brand_assets(with_media=with_media)
    # After the brand library and the media: its playlist shows both.
    demo_screens()
    password, source = demo_admin()
    return DemoResult(
        site_url=settings.WAGTAILADMIN_BASE_URL,
        admin_username=ADMIN_USERNAME,
        admin_password=password,
        password_source=source,
    )
