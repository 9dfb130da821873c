"""A hostile deck and a learner with a hostile name, for the XSS tests here and in the browser."""

from django.utils import timezone

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import record_review

# Each carries "xss", which no page of the site has otherwise.
ATTACKS = [
    '<script>alert("xss-script")</script>',
    '<img src=x onerror=alert("xss-img")>',
    '<svg onload=alert("xss-svg")><circle r="1"/></svg>',
    '[xss-md-link](javascript:alert("xss"))',
    '![xss-md-image](javascript:alert("xss"))',
    "<a href=\"javascript:alert('xss-a')\">xss-a</a>",
    '<a href="JaVaScRiPt&#58;alert(1)">xss-entity</a>',
    '<a href=" &#14;javascript:alert(1)">xss-control</a>',
    '<a href="data:text/html,<script>alert(1)</script>">xss-data</a>',
    '<div hx-get="/xss-hx" hx-trigger="load">xss-hx</div>',
    '<div data-hx-post="/xss-hx" data-hx-trigger="load">xss-data-hx</div>',
    '<button hx-on:click="alert(1)" hx-on::load="alert(2)">xss-hx-on</button>',
    '<iframe src="javascript:alert(1)">xss-iframe</iframe>',
    '<form action="javascript:alert(1)">'
    '<button formaction="javascript:alert(2)">xss-form</button></form>',
    '<object data="/xss.swf"></object><embed src="/xss.swf">',
    "<style>body{display:none} /* xss-style */</style>",
    '<base href="//evil.example/xss/">',
    '<meta http-equiv="refresh" content="0;url=//evil.example/xss">',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert("xss-mxss")>',
    '"><script>alert("xss-breakout")</script>',
    "'><img src=x onerror=alert('xss-single')>",
    '<details open ontoggle=alert("xss-details")>xss</details>',
    '<input autofocus onfocus=alert("xss-input")>',
    '<p style="background:url(javascript:alert(1))">xss-style-attr</p>',
    "{{ request.user }}{% debug %} xss-template",
]
HOSTILE_TITLE = '<script>alert("xss-title")</script> "><img src=x onerror=alert(1)>'
HOSTILE_USERNAME = '<img src=x onerror=alert("xss-user")>'


def make_hostile() -> tuple[Deck, list[Card], User]:
    """The hostile deck (one card per attack), and a learner with a hostile name who
    has rated every card, so the progress table and the admin list them all."""
    deck = Deck.objects.create(title=HOSTILE_TITLE, slug="hostile", description="\n".join(ATTACKS))
    cards = [
        Card.objects.create(
            deck=deck,
            position=number,
            category=f"xss-category {attack}"[:200],
            question=f"Q{number} {attack}",
            answer=f"A{number} {attack}\n\n{attack}",
        )
        for number, attack in enumerate(ATTACKS, start=1)
    ]
    # Created as an import or a database edit could; sign-up would refuse the name.
    evil = User.objects.create_user(HOSTILE_USERNAME, "evil@example.org", "evil-password-123")
    now = timezone.now()
    for card in cards:
        record_review(user=evil, card=card, rating=3, now=now, shown_reps=0)
    return deck, cards, evil
