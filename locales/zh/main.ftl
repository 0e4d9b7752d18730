# Simplified Chinese UI messages of the NGMO theme.
site-name = 日本医疗国际化机构
site-name-short = 日本医疗国际化机构
site-tagline = 连接日本、中国与亚洲的医疗健康交流
skip-to-content = 跳到正文
nav-label = 主菜单
nav-home = 首页
nav-releases = 新闻稿
nav-handbook = 手册
nav-downloads = 下载
nav-about = 关于我们
language-switcher-label = 语言
breadcrumb-label = 当前位置
language-ja = 日语
language-en = 英语
language-zh = 中文
not-translated = 暂无{ $language }版
fallback-notice = 本页尚无{ $wanted }版，现以{ $language }显示。
read-more = 阅读全文
published = 发布日期
latest-releases = 最新新闻稿
all-releases = 查看全部新闻稿
handbook-teaser-title = 新冠肺炎防治手册（概要）
handbook-teaser-text = 本站为根据浙江大学医学院附属第一医院临床经验编写的手册撰写了概要，逐章介绍手册内容。
handbook-teaser-link = 阅读概要
downloads-teaser-title = 下载
downloads-teaser-text = 手册概要等资料可在此下载。
downloads-teaser-link = 前往下载页面
pagination-label = 分页
page-of = 第{ $current }页，共{ $total }页
page-number = 第{ $number }页
# The title of page 2, 3 … of a paginated list (the first page keeps the plain title).
paged-title = { $title }（第{ $number }页）
previous-page = 上一页
next-page = 下一页
release-count = 共{ $count }篇新闻稿
release-addressee = 各新闻媒体
release-issuer = 日本医疗国际化机构
release-dateline = { $date }，东京讯
release-end = （完）
release-label = 新闻稿
on-this-page = 本页内容
contents = 目录
footer-address = 日本东京都千代田区有乐町1-9-1 日比谷产经大厦10层
footer-copyright = © 日本医疗国际化机构
language-select-title = 请选择语言
language-select-text = 请选择浏览本站的语言。
date-long = { $year }年{ $month }月{ $day }日
month-1 = 1月
month-2 = 2月
month-3 = 3月
month-4 = 4月
month-5 = 5月
month-6 = 6月
month-7 = 7月
month-8 = 8月
month-9 = 9月
month-10 = 10月
month-11 = 11月
month-12 = 12月
weekday-1 = 星期一
weekday-2 = 星期二
weekday-3 = 星期三
weekday-4 = 星期四
weekday-5 = 星期五
weekday-6 = 星期六
weekday-7 = 星期日
book-part = 第{ $number ->
    [1] 一
    [2] 二
    [3] 三
    [4] 四
    [5] 五
    [6] 六
   *[other] { $number }
}部分
book-appendix = 附录
book-contents = 目录
book-toc-toggle = 显示目录
book-on-this-page = 本章内容
book-previous = 上一章
book-next = 下一章
book-notice-label = 请注意
book-editors = 编者
book-publisher = 出版
book-edition = 版本
book-published = 首次发布
book-original-title = 原书名
book-original-editors = 原书编者
book-original-published = 原书发布日期
book-updated = 更新日期
book-summary-notice = 本页是本网站为手册撰写的概要的一部分，并非手册原文，也不构成医疗建议，不得用于诊断或治疗。权威内容以正式出版的手册为准。
book-read-online = 在线阅读
book-print-edition = 概要打印版（全部章节）
book-epub = 下载概要EPUB版
book-pdf = 下载概要PDF版
book-editions = 版本
book-chapter-unavailable = 本章尚无中文版
download-category-book = 手册概要
download-category-press = 新闻稿
download-format = 格式
download-size = 大小
download-updated = 更新日期
download-checksum = SHA-256
download-checksum-full = 完整SHA-256
download-language = 语言
download-link = 下载
download-not-in-language = 本资料暂无中文版，现有以下语言版本：
download-files-label = 本资料的文件
download-machine-readable = 机器可读列表（JSON）
release-downloads = 本新闻稿相关资料
book-downloads = 在下载页面查看各版本
size-bytes = { $value } 字节
size-kb = { $value } KB
size-mb = { $value } MB
size-gb = { $value } GB

# Footnotes: the label of the link from a note back to where it is referenced (screen readers).
footnote-backref = 返回引用处

# Discovery: feeds, search, 404, sharing.
feed-link = Atom 订阅源
feed-subscribe = 通过订阅源关注新闻稿
feed-hint = 将此地址添加到阅读器，即可收到新发布的新闻稿。
share-image-alt = 日本医疗国际化机构（NGMO）
not-found-title = 找不到该页面
not-found-text = 您要找的页面可能已被移动或删除，也可能是网址有误。
not-found-home = 前往中文首页
search-title = 站内搜索
search-description = 可搜索新闻稿、手册概要以及机构介绍页面。
search-label = 搜索本站
search-placeholder = 输入关键词
search-submit = 搜索
search-results = “{ $query }”的搜索结果：{ $shown } 条
search-no-results = 没有找到与“{ $query }”相符的页面，请换个词试试。
search-loading = 正在搜索…
search-error = 无法加载搜索，请刷新页面。
search-more = 显示更多
search-needs-script = 搜索功能需要启用 JavaScript。
