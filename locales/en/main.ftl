# English UI messages of the NGMO theme.
site-name = Nippon Global Medical Organization
site-name-short = NGMO
site-tagline = Medical and health exchange between Japan, China and Asia
skip-to-content = Skip to content
nav-label = Main menu
nav-home = Home
nav-releases = Press releases
nav-handbook = Handbook
nav-downloads = Downloads
nav-about = About
language-switcher-label = Language
breadcrumb-label = You are here
language-ja = Japanese
language-en = English
language-zh = Chinese
not-translated = Not yet available in { $language }
fallback-notice = This page is not yet available in { $wanted }; it is shown in { $language }.
read-more = Read more
published = Published
latest-releases = Latest press releases
all-releases = All press releases
handbook-teaser-title = Handbook of COVID-19 Prevention and Treatment (Summary)
handbook-teaser-text = A summary, written for this site, of the handbook compiled from the clinical experience of the First Affiliated Hospital, Zhejiang University School of Medicine.
handbook-teaser-link = Read the summary
downloads-teaser-title = Downloads
downloads-teaser-text = The summary of the handbook and other materials, ready to download.
downloads-teaser-link = Go to downloads
pagination-label = Pagination
page-of = Page { $current } of { $total }
page-number = Page { $number }
# The title of page 2, 3 … of a paginated list (the first page keeps the plain title).
paged-title = { $title } (page { $number })
previous-page = Previous page
next-page = Next page
release-count = { $count ->
    [one] One press release
   *[other] { $count } press releases
}
release-addressee = FOR IMMEDIATE RELEASE
release-issuer = Nippon Global Medical Organization
release-dateline = TOKYO, { $date } —
release-end = ###
release-label = Press release
on-this-page = On this page
contents = Contents
footer-address = Hibiya Sankei Building 10F, 1-9-1 Yurakucho, Chiyoda-ku, Tokyo, Japan
footer-copyright = © Nippon Global Medical Organization
language-select-title = Choose your language
language-select-text = Select the language to read this site in.
date-long = { $day } { $monthname } { $year }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
book-part = Part { $number ->
    [1] One
    [2] Two
    [3] Three
    [4] Four
    [5] Five
    [6] Six
   *[other] { $number }
}
book-appendix = Appendix
book-contents = Contents
book-toc-toggle = Show contents
book-on-this-page = In this chapter
book-previous = Previous chapter
book-next = Next chapter
book-notice-label = Please note
book-editors = Editors
book-publisher = Publisher
book-edition = Edition
book-published = First published
book-original-title = Original title
book-original-editors = Original edited by
book-original-published = Original released
book-updated = Updated
book-summary-notice = This page is part of a summary of the handbook written for this site. It is not the text of the handbook, and it is not medical advice: do not use it to diagnose or treat anyone. The authoritative text is the published handbook.
book-read-online = Read online
book-print-edition = Print edition of the summary (all chapters)
book-epub = Download the summary (EPUB)
book-pdf = Download the summary (PDF)
book-editions = Editions
book-chapter-unavailable = This chapter is not yet available in English
download-category-book = Handbook summary
download-category-press = Press releases
download-format = Format
download-size = Size
download-updated = Updated
download-checksum = SHA-256
download-checksum-full = Full SHA-256
download-language = Language
download-link = Download
download-not-in-language = This item is not available in English. It exists in:
download-files-label = Files of this item
download-machine-readable = Machine-readable list (JSON)
release-downloads = Materials for this release
book-downloads = All editions on the downloads page
size-bytes = { $value } bytes
size-kb = { $value } KB
size-mb = { $value } MB
size-gb = { $value } GB

# Footnotes: the label of the link from a note back to where it is referenced (screen readers).
footnote-backref = Back to reference

# Discovery: feeds, search, 404, sharing.
feed-link = Atom feed
feed-subscribe = Subscribe to the feed
feed-hint = Add this address to a feed reader to be told about new press releases.
share-image-alt = Nippon Global Medical Organization (NGMO)
not-found-title = Page not found
not-found-text = The page you are looking for may have moved or been removed, or the address may be mistyped.
not-found-home = Go to the English home page
search-title = Search
search-description = Search the press releases, the handbook summary and the pages about NGMO.
search-label = Search this site
search-placeholder = Enter keywords
search-submit = Search
search-results = { $count ->
    [one] { $shown } result for “{ $query }”
   *[other] { $shown } results for “{ $query }”
}
search-no-results = Nothing matches “{ $query }”. Try other words.
search-loading = Searching…
search-error = The search could not be loaded. Please reload the page.
search-more = Show more
search-needs-script = Search needs JavaScript.
