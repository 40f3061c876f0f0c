"""Indicator facts stated in sentences: "đàn trâu 7.111/7220 con, đạt 98,5% KH".

The running text (textflow.py: body and footnotes, markers removed) is cut into sentences and
each sentence is read left to right as a list of mentions, a number with what follows it:

- a value: a number with a measure unit ("2.664,0ha", "12,5 nghìn con", "52,96%"), or an
  actual/plan or part/whole fraction ("7.111/7220 con", "03/19 xã");
- a stated ratio: a percent after "bằng" / "đạt" (or "so với <base> đạt") that compares the
  value before it with a base named next to it ("KH", "dự toán HĐND huyện", "cùng kỳ");
- a change: "tăng 92 con", "giảm 52,6%".

A value opens a fact; ratios and changes attach to the open fact of the same sentence. The
indicator is the text between the previous mention (or the clause start) and the number, less
the verb ("đạt", "là", "được"). A generic measure name ("Sản lượng", "năng suất") inherits the
head it belongs to ("Cây ngô: Diện tích ...; Sản lượng ..." -> "Cây ngô - Sản lượng").

Precision comes first: a number becomes a fact only with a unit from the lexicon below (or a
percent) and a readable indicator; a mention with a unit that cannot be made a fact is kept
as an UnresolvedMention with the reason. Bare numbers (years, document numbers, list items,
dates, ages, road numbers) are never facts.

A name must be complete. A verb names what was done, not what was counted: "Ban hành 15 văn bản
..." takes the counted thing (the unit) and the object after the figure ("Ban hành văn bản ...");
in a list the words after each figure are its own ("cấp 14 giấy phép nhà ở, 02 giấy phép cho tổ
chức"). A grade ("Khá 16,4%") takes the head of its list, an amount ("số tiền 725,5 triệu đồng")
the figure stated before it, a crop measure its crop; a date or time is never a name. What
cannot be completed, or a scenario, period, base or reading the words leave open, is kept with
a reason in NarrativeFact.doubts rather than guessed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .admin_units import AdminUnit, find_mentions, generation, resolve_admin_unit, units_at, units_date
from .model import NarrativeFact, PartWhole, ReportMetadata, StatedRatio, UnresolvedMention, ValueChange
from .periods import bounds, find_periods
from .textflow import Paragraph
from .textutil import clean_line, fold_ascii, match_key

# Measure units as reports write them. Longer spellings first so "nghìn con" wins over "con".
_UNITS = [
    "triệu đồng/người/năm", "triệu đồng/người", "triệu đồng/ha", "nghìn đồng/người", "tiêu chí/xã",
    "bác sỹ/vạn dân", "bác sĩ/vạn dân", "bác sỹ/1 vạn dân", "bác sĩ/1 vạn dân", "giường bệnh/vạn dân",
    "giường bệnh/1 vạn dân", "giường/vạn dân", "giường/1 vạn dân", "tạ/ha", "tấn/ha", "lượt người",
    "nghìn con", "nghìn cây", "nghìn tấn", "nghìn người", "nghìn lượt", "nghìn USD",
    "triệu USD", "tỷ USD", "triệu đồng", "tỷ đồng", "nghìn đồng", "triệu con", "triệu cây", "triệu lít",
    "trường hợp", "đối tượng", "công dân", "hồ sơ", "lô đất", "tiêu chí", "giấy phép", "doanh nghiệp", "hợp tác xã",
    "công trình", "dự án", "cơ sở", "lao động", "học sinh", "sinh viên", "giáo viên", "bác sĩ", "bác sỹ",
    "giường bệnh", "giường", "thôn", "xóm", "tổ dân phố", "xã", "phường", "thị trấn", "hộ gia đình",
    "hộ", "người", "lượt", "con", "cây", "ha", "km²", "km2", "km", "m²", "m2", "m³", "m3", "tấn", "tạ",
    "kg", "lít", "liều", "mũi", "ca", "vụ", "USD", "đồng", "trường", "nhà", "căn nhà", "đơn vị", "tác phẩm",
    "buổi", "cuộc", "lớp", "sản phẩm", "mô hình", "chợ", "tuyến", "cháu", "trẻ", "bệnh nhân",
    "thẻ", "vụ việc", "đơn", "chuyến", "phương tiện", "máy", "Quyết định", "HTX", "điểm phần trăm", "điểm %",
    # seen in other provinces' reports (tests/truth/spans: corpus texts)
    # (not "chỉ tiêu": "13/16 chỉ tiêu đạt" counts the report's own indicators, not a measure)
    "nghìn tỷ đồng", "tỉ đồng", "triệu lượt khách", "triệu lượt", "văn bản", "đàn", "đ",
]
# Units that count things: a fraction of them is a part of a whole ("03/19 xã", "31/36 hồ sơ").
_COUNT_UNITS = {
    "xã", "phường", "thị trấn", "thôn", "xóm", "tổ dân phố", "hồ sơ", "lô đất", "tiêu chí", "đối tượng",
    "trường hợp", "vụ", "vụ việc", "giấy phép", "trường", "đơn vị", "Quyết định", "đơn", "cơ sở",
    "doanh nghiệp", "hợp tác xã", "HTX", "dự án", "công trình", "mô hình", "sản phẩm", "cuộc",
}
# "7.2 ha", "46.8 tạ/ha": a point before one or two digits is a decimal point typed the English way
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+\.\d{1,2}(?![\d.,])|\d+(?:,\d+)?"
def _unit_pattern(unit: str) -> str:
    # "tạ /ha", "tạ/ ha", "triệu  đồng": spaces as written vary
    return r"\s*/\s*".join(r"\s+".join(re.escape(w) for w in part.split()) for part in unit.split("/"))


_UNIT_RE = "|".join(_unit_pattern(u) for u in sorted(_UNITS, key=len, reverse=True))
_SCALE_ALIASES = {"tỷ": "tỷ đồng", "tr.đ": "triệu đồng", "trđ": "triệu đồng", "tr đồng": "triệu đồng"}
_UNIT_ANY = rf"(?:%|(?:{_UNIT_RE}|tỷ(?!\s*đồng))(?![^\W\d_]))"
# a mention: number [unit] [/ number [unit]]; the unit must end at a word boundary
_MENTION = re.compile(
    # a number starts a word, or follows a verb it was glued to ("nướctăng1,06%": typed without spaces)
    rf"(?:(?<![\d.,/\w])|(?<=tăng)|(?<=giảm)|(?<=đạt))(?P<n1>{_NUM})(?:\s*(?P<u1>{_UNIT_ANY}))?"
    rf"(?:\s*/\s*(?P<n2>{_NUM})(?![\d/])(?:\s*(?P<u2>{_UNIT_ANY}))?)?",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{1,2}/\d{4}\b")
_AS_OF = re.compile(
    r"(?:tính\s+)?đến\s+(?:hết\s+)?(?:ngày\s+|thời\s+điểm\s+(?:ngày\s+)?)?(\d{1,2})/(\d{1,2})/(\d{4})"
    r"|(?:tính\s+)?đến\s+hết\s+tháng\s+(\d{1,2})/(\d{4})",
    re.IGNORECASE,
)
# words right before a number that make it not a figure (document, list, date, place, age...)
_NOT_FIGURE_BEFORE = re.compile(
    r"(?:số|số:|ngày|tháng|năm|đợt|lần|lần thứ|thứ|khóa|khoá|tổ|khu|xóm|Quốc lộ|QL|tỉnh lộ|đường tỉnh|"
    r"đường|TL|ĐT|km|Km|tuyến|dãy|lô|phòng|Điều|Khoản|mục|giai đoạn|nhiệm kỳ|Nghị định|Quyết định|"
    r"Nghị quyết|Chương trình|Kế hoạch|Thông tư|tỷ lệ|mũi|từ|chiếm|[-–])\s*$",
    re.IGNORECASE,
)
_NOT_FIGURE_AFTER = re.compile(r"^\s*(?:[-–]\s*\d|tuổi|năm\b|tháng\b|ngày\b|giờ\b|[-–/](?:QĐ|NQ|BC|KH|CT|TTr|UBND|HĐND|TB|CV))", re.IGNORECASE)

_MINIMUM = re.compile(r"^\s*trở\s+lên", re.IGNORECASE)
# "xếp vị trí thứ 26/34 tỉnh, thành phố", "đứng thứ 9 cả nước": the rank of the figure before
_RANK = re.compile(r"(?:xếp|đứng)(?:\s+(?:vị\s+trí|hạng))?\s+thứ\s*$", re.IGNORECASE)
# "chiếm 12,2%", "tương đương 77,86%": the share of a part in its whole (see _share)
_SHARE_VERB = re.compile(r"(?:^|[\s(*])(chiếm|tương\s+đương)(?:\s+(?:gần|hơn|trên|khoảng|xấp\s+xỉ))?\s*$", re.IGNORECASE)
_SHARE_NAME = re.compile(r"^(?:tỷ\s+lệ|tỉ\s+lệ|tỷ\s+trọng|tỉ\s+trọng|cơ\s+cấu)\b", re.IGNORECASE)

_VERB_TAIL = re.compile(
    r"(?:\s|^)(?:ước\s+tính\s+đạt|ước\s+đạt|ước\s+thực\s+hiện|ước\s+tính|ước|đạt\s+được|đạt|chỉ\s+đạt|là|được|"
    # ("tỷ lệ hộ nghèo giảm còn 0,8%": the level after the fall, the name is the rate's)
    r"(?:giảm|tăng)\s+(?:xuống\s+|lên\s+)?còn|giảm\s+xuống|tăng\s+lên|"
    r"hiện\s+có|có|với|khoảng|gần|trên|hơn|dưới|lên|tới|còn|bằng|thực\s+hiện|tiêm\s+được|:|=|đạt\s+tỷ\s+lệ|"
    r"tổng\s+số|tăng\s+thêm|cho|tại|của|trong\s+đó|gồm|làm)\s*$",
    re.IGNORECASE,
)
_LEAD_NOISE = re.compile(
    r"^(?:\s|[-+•*–.…]|\(\d{1,2}\)|\d{1,2}\.|[a-zđ]\)|đến\s+nay|hiện\s+nay|trong\s+đó:?|cụ\s+thể:?|gồm:?|và|với|riêng|đồng\s+thời|"
    r"bên\s+cạnh\s+đó|ngoài\s+ra|kết\s+quả:?|,|;|:)+",
    re.IGNORECASE,
)
_GENERIC_NAMES = {
    match_key(x)
    for x in (
        "diện tích", "sản lượng", "năng suất", "diện tích thực hiện", "diện tích gieo trồng", "số lượng",
        "tổng số", "giá trị", "tổng diện tích", "tổng giá trị", "tổng số vốn", "tổng vốn", "kinh phí",
        "tổng kinh phí", "giá trị sản xuất", "diện tích trồng mới", "diện tích hiện có", "sản lượng thu hoạch",
        "tổng sản lượng", "diện tích trồng", "tổng đàn", "số hộ", "số người", "tỷ lệ",
    )
}
_DISCOURSE_HEADS = {match_key(x) for x in ("cụ thể", "trong đó", "gồm", "kết quả", "ví dụ", "như", "riêng")}


# "Toàn huyện có 07/12 xã ...", "Trên địa bàn xảy ra 9 vụ ...": the place is not the indicator
_PLACE_LEAD = re.compile(
    r"^(?:toàn|cả|trên\s+địa\s+bàn)(?:\s+(?:huyện|tỉnh|thành\s+phố|thị\s+xã|xã|thị\s+trấn))?(?:\s+(?:đã|có|hiện))?\b\s*",
    re.IGNORECASE,
)
_REMAINDER = re.compile(r"^(?:các|những)?\s*(?:xã|phường|thị\s+trấn|đơn\s+vị|huyện)(?:,\s*\w+)*\s+còn\s+lại$", re.IGNORECASE)


# -- what an indicator name needs to be complete -----------------------------------------------
# Verbs of activity reports ("Ban hành 15 văn bản", "Tổ chức 37 lớp huấn luyện"): a name made of
# these (and auxiliaries) only says what was done, not what was counted; the object follows the
# figure. Matched as whole word sequences, longest first.
_ACTION_VERBS = {
    match_key(x)
    for x in (
        "ban hành", "tổ chức", "thu hút", "duy trì", "hoàn thành", "xảy ra", "phát hiện", "xử lý", "tiêm",
        "cấp", "cấp mới", "cấp đổi", "cấp lại", "cấp phát", "hỗ trợ", "phê duyệt", "thẩm định", "kiểm tra",
        "vận động", "giải ngân", "xây dựng", "xây mới", "sửa chữa", "tiếp nhận", "giải quyết", "thăm viếng",
        "thăm hỏi", "thăm", "thu", "phát", "khởi tố", "bắt giữ", "tạm giữ", "tiêu hủy", "thu giữ", "xử phạt",
        "phạt tiền", "cảnh cáo", "làm rõ", "điều tra", "khám phá", "triển khai", "đào tạo", "tuyển sinh",
        "tuyển mới", "tư vấn", "giới thiệu", "chi trả", "trao tặng", "tặng", "trao", "chuyển", "lựa chọn",
        "đăng ký", "chứng thực", "tiếp xúc", "tuyên truyền", "tập huấn", "bồi dưỡng", "huấn luyện",
        "thành lập", "công nhận", "xóa bỏ", "dỡ bỏ", "mở", "mở rộng", "nâng cấp", "cứng hóa", "kiên cố hóa",
        "bê tông hóa", "nhựa hóa", "đầu tư", "khai thác", "chăm sóc", "bảo vệ", "thu nộp", "nộp", "giải thể",
        "sáp nhập", "ký kết", "tham gia", "phối hợp", "tiêm phòng", "tiêm chủng", "xét nghiệm", "điều trị",
        "khám", "khám chữa bệnh", "tiếp", "thanh tra", "rà soát", "cưỡng chế", "thu hồi", "bàn giao",
        "nghiệm thu", "khởi công", "ra quân", "di dời", "cấp giấy", "trả", "in", "phát hành", "biên soạn",
        "tiếp đón", "đón", "phục vụ", "cứu", "cứu trợ", "trồng", "trồng mới", "gieo trồng", "gieo", "cấy",
        "thu hoạch", "nuôi", "chăn nuôi", "tái phát", "làm chết", "làm", "bắt", "tước", "xác minh", "hòa giải",
        "hoà giải", "kết nạp", "vận chuyển", "cấp cứu", "cách ly", "phê chuẩn", "thông qua", "tiếp công dân",
    )
}
# Words that only qualify a verb: a name of verbs and these is still only a verb.
_AUX_WORDS = {
    match_key(x)
    for x in (
        "đã", "đang", "sẽ", "được", "tiếp tục", "thành công", "thêm", "lại", "cũng", "kịp thời", "thường xuyên",
        "tiến hành", "thực hiện", "và", "mới", "ngay", "đồng thời", "trực tiếp", "hướng dẫn", "hiện", "còn",
        "hiện còn", "chỉ còn", "hiện có", "khoảng", "gần", "trên", "hơn", "dưới", "có", "phấn đấu", "chủ động",
        "tích cực",
    )
}
# Grades and verdicts of a classification ("Hạnh kiểm: Tốt 80,3%, Khá 16,4%"): a name of these
# only is one item of a list whose head names the indicator.
_QUALIFIERS = {
    match_key(x)
    for x in (
        "tốt", "khá", "giỏi", "trung bình", "yếu", "kém", "xuất sắc", "đạt", "chưa đạt", "không đạt",
        "cần cố gắng", "hoàn thành tốt", "hoàn thành xuất sắc", "hoàn thành", "chưa hoàn thành",
        "hoàn thành tốt nhiệm vụ", "hoàn thành nhiệm vụ", "không hoàn thành nhiệm vụ", "có phép",
        "không phép", "đúng phép", "sai phép", "loại a", "loại b", "loại c",
    )
}
# Measures that name an amount of something else ("số tiền 725,5 triệu đồng" of what?): they
# belong to the figure the sentence stated just before, or to the head of the list.
_MONEY_MEASURES = {
    match_key(x)
    for x in (
        "số tiền", "tổng số tiền", "trị giá", "tổng trị giá", "kinh phí", "tổng kinh phí", "số kinh phí",
        "kinh phí thực hiện", "thành tiền", "số tiền xử phạt", "tổng số vốn", "số vốn", "tổng vốn",
    )
}
# Crop measures with their qualifiers ("diện tích cho thu hoạch", "diện tích trồng hiện có"): of
# which crop is said by the head ("+ Cây Cam: ..."), never by the words themselves.
_CROP_MEASURE = re.compile(
    r"^(?:tổng\s+)?(?:diện\s+tích|sản\s+lượng|năng\s+suất)"
    r"(?:\s+(?:trồng|trồng\s+mới|gieo\s+trồng|gieo\s+cấy|cho\s+thu\s+hoạch|thu\s+hoạch|cho\s+khai\s+thác|"
    r"khai\s+thác|hiện\s+có|thực\s+hiện|trồng\s+hiện\s+có|ước|ước\s+tính|bình\s+quân|đạt))*$"
    r"|^(?:trồng|trồng\s+mới|gieo\s+trồng|trồng\s+được)$",
    re.IGNORECASE,
)
# Measure units (an amount, not a count of things): a verb and such a unit make no name.
_MEASURE_UNITS = {
    "%", "ha", "km", "km2", "km²", "m", "m2", "m²", "m3", "m³", "tấn", "tạ", "kg", "lít", "triệu lít", "tạ/ha",
    "tấn/ha", "đồng", "nghìn đồng", "triệu đồng", "tỷ đồng", "USD", "nghìn USD", "triệu USD", "tỷ USD",
    "nghìn tấn", "điểm phần trăm", "điểm %",
}
_TIME_WORDS = (
    r"(?:ngày\s+\d{1,2}/\d{1,2}(?:/\d{4})?|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?"
    r"|(?:hết\s+)?tháng\s+\d{1,2}(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?|quý\s+(?:IV|I{1,3}|[1-4])(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?"
    r"|\d{1,2}\s+tháng(?:\s+đầu\s+năm|\s+cuối\s+năm)?(?:\s+năm\s+\d{4})?|năm\s+\d{4}|(?:đầu|cuối)\s+năm(?:\s+\d{4})?"
    r"|\d{1,2}/\d{1,2}/\d{4}|thời\s+điểm\s+hiện\s+nay|nay|hiện\s+nay|(?:trong|cả|suốt)\s+(?:năm|tháng|kỳ|quý))"
)
# A date or time phrase at the start or end of a name ("Đến ngày 21/01/2022 ...", "... tính từ đầu
# năm", "Lũy kế từ đầu năm 2022 đến nay", "(ước thực hiện) năm 2022"): when the figure is, not what.
_TIME_LEAD = re.compile(
    rf"^(?:(?:ước\s+thực\s+hiện|ước\s+tính|ước|kết\s+thúc|lũy\s+kế|luỹ\s+kế|tính|trong|đến|tới|từ|đến\s+hết|hết|vào|"
    rf"sau|trước|cả|cùng)\s+)*{_TIME_WORDS}(?:\s+(?:đến|tới)\s+{_TIME_WORDS})?(?=\s|,|$)[\s,]*",
    re.IGNORECASE,
)
_TIME_TAIL = re.compile(
    rf"[\s,]+(?:(?:ước\s+thực\s+hiện|ước\s+tính|ước|lũy\s+kế|luỹ\s+kế|tính|trong|đến|tới|từ|đến\s+hết|hết|vào|cả)\s+)*"
    rf"{_TIME_WORDS}(?:\s+(?:đến|tới)\s+{_TIME_WORDS})?$",
    re.IGNORECASE,
)
# Words that may follow the second number of "n1 unit/n2" when both count the same thing
# ("563,7 ha/415 đạt 135,8% KH"); any other word names what n2 counts ("306 hộ/1.997 nhân khẩu").
_AFTER_PLAN_NUMBER = re.compile(
    r"^\s*(?:$|[,;.:()…%\-–]|(?:đạt|bằng|so|và|với|là|tăng|giảm|chiếm|vượt|KH|kế\s+hoạch|chỉ\s+tiêu|trong|tại|"
    r"của|cho|theo|được|ước|dự\s+toán|NQ|nghị\s+quyết)\b)",
    re.IGNORECASE,
)


def _head_label(text: str) -> str | None:
    """A list head as written, or None when it names no subject: "năng suất:" (a measure, whose
    subject is the head before it), "Tổng đàn gia súc, gia cầm như sau:" -> "Tổng đàn gia súc, gia cầm"."""
    t = clean_line(re.sub(r"\s*như\s+sau\s*$", "", text, flags=re.IGNORECASE))
    # "Tình hình dịch bệnh + Cây lúa": the last bulleted item ("Cây mạch hoa + mỳ" is one crop)
    items = re.split(r"\s[+•]\s(?=[^\W\d_])", t)
    while len(items) > 1 and not items[-1][:1].isupper():
        items[-2:] = [f"{items[-2]} + {items[-1]}"]
    t = items[-1].strip(" ,;:-–+•*")
    if not t or match_key(t) in _GENERIC_NAMES or match_key(t) in _MONEY_MEASURES or _CROP_MEASURE.match(t):
        return None
    return t


# The object after a figure: words up to a clause break or the next predicate ("cấp 14 giấy phép
# nhà ở riêng lẻ, ...", "... đối với 02 hộ").
_OBJECT = re.compile(
    r"^\s*([^\W\d][^,;:.()%\d=/]{1,70}?)(?=\s*(?:[,;:.()…=/]|\bvà\s+(?:đang|đã|sẽ|được)\b"
    r"|\b(?:đạt|bằng)\s+(?:tỷ\s+lệ\s+)?\d|\bđối\s+với\b|\bvới\b|\bso\s+với\b"
    # "tăng"/"giảm" start a change, except in the compound nouns "giảm nghèo", "tăng trưởng", "tăng cường"
    r"|\btăng\b(?!\s+(?:trưởng|cường|gia))|\bgiảm\b(?!\s+nghèo)"
    r"|\b(?:năm|tháng|cho|của|tại|và)\s+\d|\d|$))"
)
# words after a figure that start a predicate or a comparison, not its object
_NOT_OBJECT = re.compile(
    r"^(?:so\s+với|tăng|giảm|chiếm|là|trong\s+đó|gồm|vượt|ước|và|hoặc|trở\s+lên|trở\s+xuống|năm|tháng|ngày)\b",
    re.IGNORECASE,
)

# the words a ratio's base starts with, right after the percent ("101%KH", "108 % so với cùng kỳ")
_BASE_WORDS = r"^(?:so\s+với|KH|kế\s+hoạch|chỉ\s+tiêu|dự\s+toán|cùng\s+kỳ|mục\s+tiêu|nghị\s+quyết|NQ)\b"

_LINK_WORDS = {"của", "và", "cho", "với", "về", "tại", "trong", "các", "những", "đối", "theo", "từ", "đến", "là",
               "được", "hoặc", "cùng", "vào", "ở", "trên"}
# words a number after which is an ordinal or a code, part of a name ("mũi 2", "tổ 6", "số 1")
_NUMBERED_WORDS = r"\b(?:mũi|tổ|lớp|số|khu|đợt|lần|thứ|xóm|thôn|khối|tuyến|nhóm|loại|hạng|mục|phường|quận|đường)$"
_OBJECT_TIME = re.compile(r"\s*(?:năm\s+\d{4}|tháng\s+\d{1,2}(?:\s*/\s*\d{4}|\s+năm\s+\d{4})?)(?!\d)", re.IGNORECASE)


def _object_after(after: str) -> tuple[str | None, int]:
    """The object right after a figure and where it ends (with the time phrase that closes it:
    "gạo cứu đói ... năm 2021"); (None, 0) when the figure is followed by a predicate or a break."""
    obj = _OBJECT.match(after)
    if obj is None:
        # no break within reach: the first words, up to a number or a break ("4 hồ sơ vợ liệt sĩ tái
        # giá đề nghị hưởng trợ cấp theo các chính sách ... phê duyệt")
        long = re.match(r"^\s*([^\W\d][^,;:.()%\d=/]{1,300}?)(?=\s*(?:[,;:.()…=/]|\d|$))", after)
        if long is None or len(long.group(1).split()) <= 14:
            return None, 0
        words = list(re.finditer(r"\S+", after[: long.end(1)]))[:8]
        for i, w in enumerate(words):
            if i >= 2 and w.group(0).lower() in ("tại", "ở", "trên", "của", "về", "theo", "với", "cho", "do", "thuộc"):
                words = words[:i]  # "cơ sở sửa chữa ô tô tại thị trấn ...": the thing, not where it is
                break
        while words and words[-1].group(0).lower() in _LINK_WORDS:
            words.pop()  # "người hoạt động kháng chiến và con đẻ của ...": not up to "của"
        text = " ".join(w.group(0) for w in words)
        return (None, 0) if not words or _NOT_OBJECT.match(text) else (text, words[-1].end())
    text = obj.group(1)
    while len(text.split()) > 1 and text.split()[-1].lower() in _LINK_WORDS:
        text = text.rsplit(None, 1)[0]  # "... về y tế trong | năm 2023": not up to "trong"
    if re.match(r"(?:đạt|bằng|là|còn|chiếm)\b", text, re.IGNORECASE) and re.match(r"\s*\d", after[obj.end() :]):
        return None, 0  # "245 con bằng 133,15%": a ratio or a level follows, not an object
    if len(text.split()) > 14 or _NOT_OBJECT.match(text) or re.search(r"\s(?:hoặc|cùng)$", text) or \
            re.fullmatch(r"(?:cho|của|tại|với|đối\s+với|trên|trong|từ|đến|về|theo)", text.strip(), re.IGNORECASE):
        return None, 0  # "... vòng thi Quốc gia và đạt 02 giải": cut mid-phrase
    end = obj.end()
    ident = re.match(r"\s*\d+(?![\d/%]|[.,]\d|\s*%)", after[end:])
    if ident and re.search(_NUMBERED_WORDS, text, re.IGNORECASE):
        # "người tiêm mũi 2", "Đường giao thông tổ 6": the number names the thing, it is not a figure
        text, end = f"{text} {ident.group(0).strip()}", end + ident.end()
    elif re.search(_NUMBERED_WORDS, text, re.IGNORECASE) and len(text.split()) > 1 and re.match(r"\s*\d", after[end:]):
        text = text.rsplit(None, 1)[0]  # "... tinh giản biên chế đợt 1/2021": not up to a bare "đợt"
    tm = _OBJECT_TIME.match(after, end)
    return text, tm.end() if tm else end


def _plain(n: Decimal) -> str:
    return format(n.normalize(), "f").replace(".", ",")


def _paragraph_subject(text: str) -> str | None:
    """The words a paragraph opens with, up to its first verb or clause break: "Giải ngân vốn đầu
    tư công trong tháng tập trung ..." -> "Giải ngân vốn đầu tư công". Elliptical sentences after
    it ("Đến ngày 21/01/2022 thực hiện đạt 348,5 tỷ đồng") are about it."""
    t = clean_line(_LEAD_NOISE.sub("", text))
    mm = re.match(r"^([^\W\d][^,;:.()\d]{4,80}?)\s+(?:trong|đã|được|là|đạt|tập\s+trung|tiếp\s+tục|có|thực\s+hiện|"
                  r"ước|tăng|giảm|đến|tính)\b", t, re.IGNORECASE)
    if not mm:
        return None
    subject = mm.group(1).strip()
    if not 2 <= len(subject.split()) <= 10 or _verb_only(subject) or _strip_time(subject) != subject:
        return None
    return subject


def _word_cover(text: str, vocab: set[str], extra: set[str] = frozenset()) -> bool:
    """text is a sequence of phrases from vocab (at least one) and extra (case-insensitive)."""
    words = match_key(re.sub(r"[,;:]", " ", text)).split()
    if not words:
        return False
    i, seen = 0, False
    while i < len(words):
        for n in (4, 3, 2, 1):
            phrase = " ".join(words[i : i + n])
            if len(words) - i >= n and (phrase in vocab or phrase in extra):
                seen = seen or phrase in vocab
                i += n
                break
        else:
            return False
    return seen


def _verb_only(name: str | None) -> bool:
    """"Ban hành", "Phát hiện, xử lý", "duy trì đã": what was done, without what it was done to."""
    return bool(name) and _word_cover(name, _ACTION_VERBS, _AUX_WORDS)


def _qualifier_only(name: str | None) -> bool:
    """"Khá", "chưa đạt", "Hoàn thành tốt": one grade of a classification, without its head."""
    return bool(name) and match_key(name.strip(" ,;:-–")) in _QUALIFIERS


def _is_count_unit(unit: str | None) -> bool:
    """A unit that counts things ("Quyết định", "lớp", "hộ"), not an amount ("ha", "triệu đồng")."""
    return bool(unit) and unit not in _MEASURE_UNITS and "/" not in unit and \
        not unit.lower().startswith(("nghìn ", "triệu ", "tỷ "))


def _strip_time(name: str) -> str:
    """The name without a date or time phrase at its start or end."""
    t = name
    for _ in range(3):
        new = _TIME_LEAD.sub("", t).strip(" ,;:")
        new = _TIME_TAIL.sub("", new).strip(" ,;:")
        if new == t:
            break
        t = _VERB_TAIL.sub("", new).strip(" ,;:")  # "ước thực hiện đến 31/12/2022": the verb before it too
    return t


def _number(text: str) -> Decimal:
    if re.fullmatch(r"\d+\.\d{1,2}", text):
        return Decimal(text)  # "7.2": a decimal point (a thousands point takes three digits)
    return Decimal(text.replace(".", "").replace(",", "."))


# Units whose figures are whole numbers: "1,200 con" is 1.200 con with a comma typed for a point
_WHOLE_UNITS = _COUNT_UNITS | {"con", "hộ", "người", "lượt", "lượt người", "hộ gia đình", "học sinh", "lao động",
                               "cây", "đàn", "trẻ", "bệnh nhân", "ca", "liều", "mũi", "công dân", "văn bản"}


def _number_doubt(text: str, unit: str | None) -> str | None:
    """A doubt about how a number was written, or None: the separators of Vietnamese numbers are
    '.' for thousands and ',' for decimals; the value read is kept as written, never re-guessed."""
    if re.fullmatch(r"\d+\.\d{1,2}", text):
        return f"'{text}' read with '.' as the decimal point"
    if unit in _WHOLE_UNITS and re.fullmatch(r"\d{1,3},\d{3}", text):
        return f"'{text} {unit}' is not a whole number: ',' may be a thousands separator ({text.replace(',', '.')})"
    return None


def _unit(text: str | None) -> str | None:
    if not text:
        return None
    u = re.sub(r"\s*/\s*", "/", clean_line(text))
    low = u.lower()
    if low in _SCALE_ALIASES:
        return _SCALE_ALIASES[low]
    for known in _UNITS:
        if known.lower() == low:
            return known
    return u


@dataclass
class _Mention:
    start: int
    end: int
    n1: Decimal
    n1_text: str
    u1: str | None
    n2: Decimal | None = None
    u2: str | None = None
    n2_text: str | None = None
    range_of: "_Mention | None" = None  # the other bound of "tăng 7,5 - 8,0%"


@dataclass
class _Context:
    """What the sentences before this one established."""

    plan_period: tuple[str, date, date] | None = None  # inside a plan part of the report
    as_of: date | None = None
    head: str | None = None  # "Cây ngô" from "Cây ngô: Diện tích ..."
    estimate: bool = False  # the paragraph opens with "Ước"
    last_indicator: str | None = None
    head_fresh: bool = False  # head was set by the current sentence
    period: tuple[str, date, date] | None = None  # "10 tháng năm 2022, ..." opening the paragraph
    subject: str | None = None  # "Giải ngân vốn đầu tư công" opening the paragraph
    sentence_first: int = 0  # index of the first fact of the current sentence
    continued_estimate: bool = False  # the sentence goes on with the parts of an estimate before it
    results_period: tuple[str, date, date] | None = None  # "II. KẾT QUẢ THỰC HIỆN 6 THÁNG ĐẦU NĂM 2021 ..."
    as_of_here: bool = False  # the current sentence states the as-of date itself
    lead_year: tuple[int, int] | None = None  # (year, end of the lead-in) of "... năm 2021: item; item"
    lead_target: int | None = None  # end of a lead-in that sets targets ("phấn đấu thực hiện các chỉ tiêu: ...")


@dataclass
class _OpenFact:
    fact: NarrativeFact
    clause_end: int
    lead: str | None = None  # "cấp" of "cấp 14 giấy phép nhà ở, 02 giấy phép cho tổ chức": the verb of a list
    grade: tuple[str, str] | None = None  # (head, joiner) of a grade list item ("Hạnh kiểm", " - ")
    last_change: ValueChange | None = None  # the change just read, and where it ended: "(tăng 37 cuộc,
    change_end: int | None = None  # 618 lượt người)" lists changes
    consumed: bool = False  # the words after the figure were taken as its object
    subject: str | None = None  # what an amount or a count "với/cho ..." after it belongs to
    share: bool = False  # the fact is a share ("chiếm 38,10%"); a '%' change after it is ambiguous


def _same_frame(fact: NarrativeFact, base: NarrativeFact) -> None:
    """A figure that restates another one's (its change in another unit, its share): same scenario,
    period, unit of administration and doubts."""
    fact.scenario = base.scenario
    fact.period_type, fact.period_start, fact.period_end, fact.as_of_date = (
        base.period_type, base.period_start, base.period_end, base.as_of_date)
    fact.admin_unit_code, fact.admin_unit_text = base.admin_unit_code, base.admin_unit_text
    fact.doubts.extend(d for d in base.doubts if d not in fact.doubts)


def _split_sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of sentences: split at '.', '!', '?', '…' before a capital or a bullet, and
    at ';' unless the next clause only states a ratio ("; so với năm 2021 bằng 105%")."""
    spans = []
    start = 0
    for m in re.finditer(r"(?:[.!?…]+|;)\s+(?=\S)", text):
        nxt = text[m.end() :]
        punct = m.group(0).strip()
        if punct == ";":
            if re.match(r"(?:so\s+với\b|(?:bằng|đạt)\s+\d)", nxt, re.IGNORECASE):
                continue
        elif not (nxt[:1].isupper() or nxt[:1] in "-+•(*“\"" or nxt[:1].isdigit()):
            continue
        # "TP. Cao Bằng", "Tp. Hà Nội": not a sentence end
        if re.search(r"\b(?:TP|Tp|tp|TT|Th\.S|ThS|TS|PGS|GS|Q|P|X)\.$", text[start : m.start() + 1]):
            continue
        spans.append((start, m.start() + len(punct)))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class NarrativeExtractor:
    def __init__(self, metadata: ReportMetadata):
        self.meta = metadata
        self.facts: list[NarrativeFact] = []
        self.unresolved: list[UnresolvedMention] = []
        # units named in sentences are read among those valid on the report's date (as its own unit)
        self._on = units_date(metadata.issue_date, metadata.period_end)
        self._local_units = self._load_local_units()
        self._province_code = self._province()
        own = units_at(self._on).by_code.get(metadata.admin_unit_code) if metadata.admin_unit_code else None
        self._own_bare_name = match_key(own.bare_name) if own is not None else None

    # -- administrative units named in sentences --------------------------------------------
    def _load_local_units(self) -> dict[str, AdminUnit]:
        """Communes of the report's district (or districts of its province), by bare-name key."""
        code = self.meta.admin_unit_code
        if not code:
            return {}
        try:
            index = units_at(self._on)
        except Exception:  # the catalogue is optional for parsing
            return {}
        # (since 2025-07-01 a province's next level is its communes)
        below = "commune" if generation(self._on) == "2025" else "district"
        out: dict[str, AdminUnit] = {}
        for u in index.units:
            if (len(code) == 3 and u.level == "commune" and u.district_code == code) or (
                len(code) == 2 and u.level == below and u.province_code == code
            ):
                out[match_key(u.bare_name)] = u
        return out

    def _unit_named(self, text: str) -> tuple[str, str] | None:
        """(GSO code, name as written) of a unit named at the end of text ("xã Quang Hán")."""
        words = text.split()
        for n in (4, 3, 2, 1):
            if len(words) < n:
                continue
            cand = " ".join(words[-n:]).strip("(),;:")
            if not cand:
                continue
            typed = re.match(r"(?i)^(xã|phường|thị trấn|huyện|thị xã|thành phố|đặc khu)\s+(.+)$", cand)
            if typed is None and len(words) > n:
                before = words[-n - 1].lower()
                if before in ("xã", "phường", "huyện") or " ".join(words[-n - 2 : -n]).lower() in ("thị trấn", "thị xã"):
                    continue  # the longer, typed candidate is tried next round or was tried
            if typed:
                local = self._local_units.get(match_key(typed.group(2)))
                if local is not None and local.unit_type.lower() == typed.group(1).lower():
                    return local.code, cand
                prov = self._province_code
                r = resolve_admin_unit(cand, prov, on=self._on)
                if r is not None and (prov is None or r.unit.province_code == prov) and r.level != "province":
                    return r.code, cand
                continue
            if self._own_bare_name and match_key(cand) == self._own_bare_name:
                return None  # "tại Thường Tín" in a report of huyện Thường Tín: the report's own unit
            u = self._local_units.get(match_key(cand))
            if u is not None and all(w[:1].isupper() for w in cand.split()) and not (
                len(words) > n and words[-n - 1].lower() in ("huyện", "tỉnh", "thành", "phố")
            ):
                return u.code, cand
        return None

    def _former_unit(self, text: str) -> tuple[str, str] | None:
        """(GSO code, name as written) of a former unit named before a figure: "trong đó Gia Lai (cũ) đạt":
        a province or district as it was before a merger, named by its old name."""
        mm = re.search(r"((?:[^\W\d_]+\s+){0,3}[^\W\d_]+)\s*\(\s*cũ\s*\)\s*(?:đạt|là|có|:)?\s*$", text, re.IGNORECASE)
        if mm is None:
            return None
        words = mm.group(1).split()
        for n in range(min(4, len(words)), 0, -1):
            cand = " ".join(words[-n:])
            if not cand[:1].isupper() and not re.match(r"(?i)(tỉnh|huyện|thị xã|thành phố|xã|phường)\b", cand):
                continue
            r = resolve_admin_unit(cand)  # the 2022 list: the units before the merger
            if r is not None and r.level in ("province", "district") and r.code != self.meta.admin_unit_code:
                return r.code, cand
        return None

    def _clause_before(self, para: Paragraph, base_offset: int, change: ValueChange) -> NarrativeFact | None:
        """The fact whose change the clause before this one (ended by ';') stated, in the same unit."""
        if not para.text[:base_offset].rstrip().endswith(";"):
            return None
        for f in reversed(self.facts):
            at = para.text.find(f.sentence)
            if at < 0 or at >= base_offset:
                return None
            if f.change is not None and f.change.kind == change.kind and (f.unit or f.change.unit) == change.unit:
                return f
        return None

    def _compared_pair(self, para, base_offset, sentence, m: _Mention, open_fact: _OpenFact, ctx: _Context):
        """"tăng 08 cuộc (72/64) so với tháng trước": the figure now and the one it is compared with. The
        first number restates the figure; the second is the figure of the compared period, a fact of its
        own when the numbers agree with the change (72 - 64 = 8) and the sentence names that period."""
        f = open_fact.fact
        c = f.change
        if c is None or c.kind != "absolute":
            return None
        current = f.value
        if current is None:  # a change-only clause restating the figure of the clause before
            current = next((g.value for g in reversed(self.facts[:-1]) if g.indicator_text == f.indicator_text
                            and g.value is not None and g.period_start == f.period_start), None)
        signed = c.value if c.direction == "increase" else -c.value
        if current != m.n1 or m.n1 - m.n2 != signed:
            return None
        clause = re.split(r"[;]", sentence[m.end :])[0] + " " + sentence[: m.start].rsplit(";", 1)[-1]
        period = self._compared_period(f, clause)
        if period is None:
            return None
        page = para.page_of(base_offset + m.start)
        base = self._new_fact(para, base_offset, sentence, m, f.indicator_text, m.n2, f.unit or c.unit, None, page, ctx,
                              sentence[: m.start])
        _same_frame(base, f)
        base.scenario = "actual"
        base.period_type, base.period_start, base.period_end = period
        base.value_text = sentence[m.start : m.end].split("/")[-1].strip()
        base.as_of_date = None
        return _OpenFact(f, m.end, last_change=open_fact.last_change, change_end=m.end)

    @staticmethod
    def _compared_period(f: NarrativeFact, clause: str) -> tuple[str, date, date] | None:
        """The period a change compares with: the same period a year before ("cùng kỳ", "năm trước")
        or the month before ("tháng trước")."""
        if f.period_type is None or f.period_start is None or f.period_end is None:
            return None
        key = fold_ascii(clause).lower()
        if "cung ky" in key or "nam truoc" in key:
            start = f.period_start.replace(year=f.period_start.year - 1)
            _, last = bounds("month", f.period_end.year - 1, f.period_end.month)
            return f.period_type, start, last if f.period_end.day >= 28 else f.period_end.replace(year=f.period_end.year - 1)
        if "thang truoc" in key and f.period_type == "month":
            prev = f.period_start.replace(day=1) - timedelta(days=1)
            return ("month", *bounds("month", prev.year, prev.month))
        return None

    def _province(self) -> str | None:
        code = self.meta.admin_unit_code
        if not code:
            return None
        try:
            unit = units_at(self._on).by_code.get(code)
        except Exception:
            return None
        return unit.province_code if unit is not None else None

    def _typed_unit_in(self, text: str) -> tuple[str, str] | None:
        """The most local unit named with its type in the clause ("(tại xã Thạch Lâm, huyện Bảo Lâm)").
        None when the clause lists several of them ("trên địa bàn các xã Đức Hồng, Ngọc Côn, ..."):
        the figure is then their total, the report's unit's figure."""
        if re.search(r"\bcác\s+(?:xã|phường|thị\s+trấn|huyện|thị\s+xã)\b", text, re.IGNORECASE):
            return None
        prov = self._province_code
        best = None
        for mention in find_mentions(text):
            r = resolve_admin_unit(mention, prov, on=self._on)
            if r is None or r.level == "province" or r.code == self.meta.admin_unit_code:
                continue
            if prov is not None and r.unit.province_code != prov:
                continue
            if best is None or len(r.code) > len(best[0]):
                best = (r.code, mention)
        return best

    # -- periods --------------------------------------------------------------------------------
    def _report_period(self) -> tuple[str | None, date | None, date | None]:
        m = self.meta
        return m.period_type, m.period_start, m.period_end

    def _results_period_from_heading(self, heading: str) -> tuple[str, date, date] | None:
        """"II. KẾT QUẢ THỰC HIỆN 6 THÁNG ĐẦU NĂM 2021 VÀ ƯỚC THỰC HIỆN ... NĂM 2021" in a report about
        the year: the section's results are for the first half (its estimates for the year). Only a
        period shorter than the report's own, stated first in the heading."""
        end = self.meta.period_end or self.meta.period_start
        doubts: list[str] = []
        stated = self._stated_period(heading.split(" VÀ ")[0].split(" và ")[0], end, doubts)
        if stated is None or doubts or self.meta.period_start is None or self.meta.period_end is None:
            return None
        _, start, stop = stated
        inside = self.meta.period_start <= start and stop <= self.meta.period_end
        return stated if inside and (start, stop) != (self.meta.period_start, self.meta.period_end) else None

    def _plan_period_from_heading(self, heading: str) -> tuple[str, date, date] | None:
        key = fold_ascii(heading).lower()
        if not any(w in key for w in ("nhiem vu", "ke hoach", "muc tieu", "phuong huong")):
            return None
        if any(w in key for w in ("ket qua", "tinh hinh", "boi canh", "danh gia", "thuc hien")):
            return None
        mm = re.search(r"thang (\d{1,2})(?: nam (\d{4}))?", key)
        yy = re.search(r"nam (\d{4})", key)
        if not (mm or yy):
            return None  # "KẾ HOẠCH" (the document type), "5. Tài chính - Kế hoạch" (a topic)
        end = self.meta.period_end or self.meta.period_start
        if yy and end is not None and int(yy.group(1)) < end.year:
            return None  # the plan of a past year is reviewed, not set
        if mm:
            month = int(mm.group(1))
            year = int(mm.group(2) or (yy.group(1) if yy else 0) or (self.meta.period_end.year if self.meta.period_end else 0))
            if year and 1 <= month <= 12:
                return ("month", *bounds("month", year, month))
        if "6 thang cuoi nam" in key and yy:
            return ("second_half", *bounds("second_half", int(yy.group(1))))
        year = int(yy.group(1)) if yy else self.meta.plan_year
        if year:
            return ("year", *bounds("year", year))
        return None

    # -- main loop ------------------------------------------------------------------------------
    def run(self, paragraphs: Iterable[Paragraph]) -> None:
        ctx = _Context()
        m = self.meta
        if m.doc_type == "ke_hoach" and m.plan_year and m.period_type == "year" and m.period_start \
                and m.period_start.year == m.plan_year:
            ctx.plan_period = (m.period_type, m.period_start, m.period_end)  # a plan with no results part
        title_key = fold_ascii(self.meta.title or "").lower()
        carried_head = None
        last_body_estimate = False
        for para in paragraphs:
            if para.is_heading and para.footnote is None:
                key = fold_ascii(para.text).lower()
                ctx.head = None
                carried_head = None
                last_body_estimate = False
                ctx.as_of = None
                if title_key and key in title_key:
                    continue  # the document title names the plan part too; it does not open it
                period = self._plan_period_from_heading(para.text)
                if period is not None:
                    ctx.plan_period = period
                    ctx.results_period = None
                elif re.match(r"^(phan|[ivx]+\.|[a-z]\.)\s", key) and any(
                    w in key for w in ("ket qua", "tinh hinh", "danh gia", "boi canh")
                ):
                    ctx.plan_period = None
                    ctx.results_period = self._results_period_from_heading(para.text)
                elif re.match(r"^(phan|[ivx]+\.)\s", key):
                    ctx.results_period = None  # the next part of the report
                continue
            # a footnote is read under the section its page is in: its results period too (the
            # details of "Cây lạc ... đạt 96% KH" in a "KẾT QUẢ 6 THÁNG ĐẦU NĂM" section are of it)
            para_ctx = _Context(plan_period=ctx.plan_period if para.footnote is None else None,
                                results_period=ctx.results_period)
            # "Ước thực hiện 31/12/2022, ..." opening a paragraph or footnote: all its figures are estimates
            para_ctx.estimate = re.match(r"^\W*ước\b", para.text, re.IGNORECASE) is not None
            # "10 tháng năm 2022, ..." opening a paragraph: the period of all its figures
            # (or "10 tháng năm 2022 xảy ra 17 đợt thiên tai, ... Ước tính giá trị thiệt hại 38,3 tỷ")
            opening = re.match(r"^\W*(?:trong\s+)?(\d{1,2}\s+tháng(?:\s+đầu\s+năm)?(?:\s+năm\s+\d{4})?)"
                               r"(?:\s*[,:]|\s+(?=[^\W\d]))", para.text, re.IGNORECASE)
            if opening and para_ctx.plan_period is None:
                para_ctx.period = self._stated_period(opening.group(1), self.meta.period_end or self.meta.period_start,
                                                      [])
            para_ctx.subject = _paragraph_subject(para.text)
            if para.footnote is None and carried_head:
                para_ctx.head = carried_head  # "Cây đỗ tương:" ending the paragraph before (a page break)
            # the body paragraph before ended with an estimate: "Trong đó: ..." opening this one lists its parts
            previous_estimate = para.footnote is None and last_body_estimate
            previous_end = 0 if previous_estimate else None
            for start, end in _split_sentences(para.text):
                # "Tổng thu ... ước đạt X. Trong đó: thu nội địa A; thu XNK B": the parts of an
                # estimate, in clauses after ';' or opened by "Trong đó" / "gồm", are estimates too
                # only inside a list of parts: ';' alone separates parallel items ("...; đàn lợn có ...")
                opens_parts = re.match(r"\W*(?:trong\s+đó|bao\s+gồm|gồm)\b", para.text[start:end], re.IGNORECASE)
                continues = previous_end is not None and (
                    opens_parts or (para_ctx.continued_estimate and previous_end > 0
                                    and para.text[previous_end - 1] == ";"))
                para_ctx.continued_estimate = bool(previous_estimate and continues)
                first = len(self.facts)
                self._sentence(para, start, end, para_ctx)
                new = self.facts[first:]
                previous_estimate = any(f.scenario == "estimate" for f in new) if new else para_ctx.continued_estimate
                previous_end = end
                if para_ctx.plan_period is None and re.search(r"\bước\s+thực\s+hiện\b", para.text[start:end],
                                                              re.IGNORECASE):
                    # "Tổng thu ... tăng cao, ước thực hiện năm 2022, thu ... đạt X. Chi ngân sách Y, ...": the
                    # framing "ước thực hiện" holds for the rest of the paragraph
                    para_ctx.estimate = True
            if para.footnote is None:
                last_body_estimate = previous_estimate
            if para.footnote is None:
                tail = re.search(r"(?:^|[.;]\s+)(?:[-+•*]\s*)?([^.;:()]{2,40}):\s*$", para.text)
                carried_head = _head_label(tail.group(1)) if tail and len(tail.group(1).split()) <= 6 else None
        for fact in self.facts:
            if fact.change is not None:
                if re.search(r"so\s+với\s+(?:thời\s+điểm\s+)?(?:đầu\s+năm|cuối\s+năm|31/12)", fact.sentence, re.IGNORECASE):
                    # "tăng 5,497 tỷ so với đầu năm": a change of a stock since a date, not since last period
                    fact.doubts.append("change compared with the start of the year, not with the previous period")
                if fact.change.kind == "percentage_points" and fact.change.value > 15:
                    # "Giảm tỷ lệ hộ nghèo đạt 23,77%": no rate moves that far in a period; a level?
                    fact.doubts.append("a rate changing by more than 15 points: the level may be meant")
            # "2.755/11.000 liều đạt 24,05% KH" under a plan heading: a figure stated against its
            # plan is what was achieved, not the plan (the plan is plan_value)
            if fact.scenario == "plan" and fact.plan_value is not None:
                fact.scenario = "actual"

    def _sentence(self, para: Paragraph, s_start: int, s_end: int, ctx: _Context) -> None:
        raw = para.text[s_start:s_end]
        lead = len(raw) - len(raw.lstrip())
        sentence = raw.strip()
        base_offset = s_start + lead
        if not sentence:
            return
        m_as_of = None
        for m in _AS_OF.finditer(sentence):
            m_as_of = m
        ctx.as_of_here = m_as_of is not None
        if m_as_of is not None:
            try:
                if m_as_of.group(1):
                    ctx.as_of = date(int(m_as_of.group(3)), int(m_as_of.group(2)), int(m_as_of.group(1)))
                else:
                    ctx.as_of = bounds("month", int(m_as_of.group(5)), int(m_as_of.group(4)))[1]
            except ValueError:
                pass
        date_spans = [(m.start(), m.end()) for m in _DATE.finditer(sentence)]
        mentions = []
        for m in _MENTION.finditer(sentence):
            if any(a <= m.start() < b for a, b in date_spans):
                continue
            mentions.append(
                _Mention(
                    m.start(), m.end(), _number(m.group("n1")), m.group("n1"), _unit(m.group("u1")),
                    _number(m.group("n2")) if m.group("n2") else None, _unit(m.group("u2")), m.group("n2"),
                )
            )
        # "tăng 7,5 - 8,0%", "tăng 5-7%": a range of percents, each bound a figure of its own (in doubt)
        for low, high in zip(mentions, mentions[1:]):
            if low.u1 is None and low.n2 is None and high.u1 == "%" and high.n2 is None \
                    and re.fullmatch(r"\s*[-–]\s*", sentence[low.end : high.start]) and low.n1 < high.n1:
                low.u1, low.range_of, high.range_of = "%", high, low
        # a head label "Cây ngô:" at the start of the sentence
        ctx.head_fresh = False
        # "Phê duyệt kết quả rà soát hộ nghèo năm 2021 ...: Tổng số hộ nghèo 5.858 hộ; ...": a year
        # in the words that introduce a list is the period of the list's figures
        # (the list goes on in the clauses after ';')
        carried = para.text[:s_start].rstrip().endswith(";")
        if ctx.lead_year is not None and carried and not re.search(r"\bnăm\s+\d{4}", sentence, re.IGNORECASE):
            ctx.lead_year = (ctx.lead_year[0], 0)
        else:
            ctx.lead_year = None
        ctx.lead_target = 0 if ctx.lead_target is not None and carried else None
        lead = re.match(r"^([^:]{10,300}?):\s", sentence)
        if lead and ctx.plan_period is None:
            years = [y for y in re.findall(r"(?<!so với )\bnăm\s+(\d{4})\b(?![-–]\d)", lead.group(1), re.IGNORECASE)]
            if len(set(years)) == 1:
                ctx.lead_year = (int(years[0]), lead.end())
            # "Năm 2026, phường phấn đấu thực hiện các chỉ tiêu: A đạt X; B đạt Y", "Các chỉ tiêu chủ yếu năm
            # 2024 là: ...": the items are targets (not "Kết quả thực hiện các chỉ tiêu đạt được:")
            words = lead.group(1)
            if (re.search(r"\bphấn\s+đấu\b", words, re.IGNORECASE)
                    or re.search(r"\b(?:chỉ\s+tiêu|mục\s+tiêu)\b[^:]*\blà\s*$", words, re.IGNORECASE)) \
                    and not re.search(r"kết\s+quả|đạt\s+được|\bđã\b", words, re.IGNORECASE):
                ctx.lead_target = lead.end()
        ctx.sentence_first = len(self.facts)
        hm = re.match(r"^(?:[-+•*]\s*)?([^:;,.()]{2,40}?)(?:\s*\([^)]{0,40}\))?\s*:\s*(?=\S)", sentence)
        if hm is None:
            # "+ Cây Dè, diện tích trồng hiện có 516ha": a bulleted label before a crop measure
            hm = re.match(r"^[-+•*]\s*([^:;,.()]{2,40}?)\s*,\s*(?=(?:diện\s+tích|sản\s+lượng|năng\s+suất)\b)",
                          sentence, re.IGNORECASE)
        label = _head_label(hm.group(1)) if hm else None
        if label and len(label.split()) <= 6 and match_key(label) not in _DISCOURSE_HEADS:
            ctx.head = label
            ctx.head_fresh = True
        open_fact: _OpenFact | None = None
        prev_end = 0
        for mention in mentions:
            before = sentence[prev_end : mention.start]
            after = sentence[mention.end :]
            first = len(self.facts)
            handled, open_fact = self._mention(para, base_offset, sentence, mention, before, after, prev_end, open_fact, ctx)
            doubts = [d for d in (_number_doubt(mention.n1_text, mention.u1),
                                  _number_doubt(mention.n2_text, mention.u2 or mention.u1) if mention.n2_text else None)
                      if d]
            if _MINIMUM.match(after) and re.search(r"(?:đạt|là|từ)\s*$", before, re.IGNORECASE) and mention.u1 == "%":
                # "đạt 100% trở lên", "tăng từ 10% trở lên": a target's floor, not a figure reached
                doubts.append(f"a minimum ('{mention.n1_text} ... trở lên'), not a figure reached")
            if mention.range_of is not None:
                low, high = (mention.range_of, mention) if mention.range_of.start < mention.start else (mention, mention.range_of)
                doubts.append(f"a range ({low.n1_text}-{high.n1_text}): the {'lower' if mention is low else 'upper'} bound")
            if doubts and handled:
                touched = self.facts[first:] + ([open_fact.fact] if open_fact is not None else [])
                for f in touched:
                    if f.span[0] <= mention.start < f.span[1]:
                        f.doubts.extend(d for d in doubts if d not in f.doubts)
            if handled:
                prev_end = mention.end
                # a ratio's base words belong to it
                if open_fact is not None and open_fact.clause_end > prev_end:
                    prev_end = open_fact.clause_end

    # -- one mention ------------------------------------------------------------------------------
    def _mention(self, para, base_offset, sentence, m: _Mention, before: str, after: str, prev_end: int,
                 open_fact: _OpenFact | None, ctx: _Context) -> tuple[bool, _OpenFact | None]:
        full_before = sentence[: m.start]
        words_before = full_before.rstrip()
        signed = re.search(r"\(\s*[-+]$", words_before) is not None  # "(-717 ha)": a signed change, not a range
        rank = _RANK.search(words_before[prev_end:]) if m.u1 is None and open_fact is not None else None
        if rank is not None and open_fact.fact.indicator_text:
            return self._rank(para, base_offset, sentence, m, open_fact, ctx)
        share = _SHARE_VERB.search(words_before[prev_end:]) if m.u1 == "%" and m.n2 is None else None
        if share is not None and not _NOT_FIGURE_AFTER.match(after):
            return self._share(para, base_offset, sentence, m, share, after, prev_end, open_fact, ctx)
        not_figure = _NOT_FIGURE_BEFORE.search(words_before)
        # "tăng từ 10% trở lên", "đạt 100% trở lên": a target's floor; but "xã đạt từ 3 tiêu chí trở lên"
        # names a class of communes
        minimum = _MINIMUM.match(after) is not None and re.search(
            r"(?:tăng|giảm)(?:\s+từ)?\s*$" if m.u1 != "%" else r"(?:tăng|giảm|đạt|là)(?:\s+từ)?\s*$",
            words_before, re.IGNORECASE) is not None
        if not_figure and (m.range_of is not None and m.range_of.start < m.start
                           or minimum and not_figure.group(0).strip().lower() == "từ"):
            not_figure = None  # the upper bound of a range, "tăng từ 10% trở lên"
        if not_figure and not_figure.group(0).strip().lower() == "năm" and (m.u1 or m.u2) and not 1900 <= m.n1 <= 2100:
            not_figure = None  # "diện tích cây lâu năm 22.600 ha": a measured figure after the word, not a year
        if (not_figure and not signed) or (_NOT_FIGURE_AFTER.match(after) and m.range_of is None):
            return False, open_fact
        if m.range_of is not None and m.range_of.start < m.start:
            return self._range_high(para, base_offset, sentence, m, open_fact)
        if m.n1 == 1 and m.n2 is None and re.search(r"(?:^|\s)(?:trên|mỗi|/)\s*$", words_before, re.IGNORECASE):
            return False, open_fact  # "trên 01 đơn vị diện tích", "mỗi 1 ha": per one unit, part of a name
        if _MINIMUM.match(after) and not minimum:
            return False, open_fact  # "từ 3 tiêu chí trở lên": a threshold, not a figure
        if m.n2 is not None and m.u1 is None and m.u2 is None and open_fact is not None \
                and re.search(r"\(\s*$", before) and re.match(r"\s*\)", after):
            pair = self._compared_pair(para, base_offset, sentence, m, open_fact, ctx)
            if pair is not None:
                return True, pair
        if m.u1 is None and m.u2 is None:
            return False, open_fact  # a bare number: years, item numbers, codes
        is_percent = (m.u1 == "%") and m.n2 is None
        low_before = words_before.lower()
        page = para.page_of(base_offset + m.start)

        # "đạt 64.462 ha, giảm 1,1% (-717 ha)": the same change in the figure's own unit, signed, in brackets
        sm = re.search(r"\(\s*([+-])\s*$", before)
        if sm and open_fact is not None and open_fact.fact.change is not None and m.n2 is None and m.u1 \
                and m.u1 != "%" and open_fact.fact.indicator_text:
            f = open_fact.fact
            fact = self._new_fact(para, base_offset, sentence, m, f.indicator_text, None, m.u1, None, page, ctx,
                                  sentence[prev_end : m.start])
            fact.change = ValueChange(m.n1, m.u1, "decrease" if sm.group(1) == "-" else "increase", "absolute")
            _same_frame(fact, f)
            open_fact.clause_end = max(open_fact.clause_end, m.end)
            return True, open_fact

        # a change: "tăng 92 con", "giảm 52,6%"
        cm = re.search(r"(tăng|giảm)(?:\s+(?:được|hơn|khoảng|gần|trên|từ|nhiều|mạnh|nhẹ|sâu))?"
                       r"(?:\s*\(\s*[-+]?)?\s*$", low_before)
        if cm and re.search(r"\(\s*[-+]?\s*$", low_before) and not re.match(r"\s*\)", after):
            cm = None  # "tăng (so với ...": the bracket opens words, not the figure
        points = m.u1 in ("điểm phần trăm", "điểm %")
        vm_over = re.search(r"(?:^|\s)(vượt)(?:\s+(?:hơn|khoảng|gần|trên))?\s*$", low_before)
        if vm_over and m.n2 is None and m.u1 and not points:
            over_base_text, over_base_end = self._base_text(after)
            over_base = self._classify_base(over_base_text, "vượt") if over_base_text else None
            if over_base == "previous_period":
                cm = vm_over  # "vượt 12 đàn so với cùng kỳ": an increase
            elif over_base is not None and m.u1 == "%" and open_fact is not None \
                    and open_fact.fact.unit != "%" and not _SHARE_NAME.match(open_fact.fact.indicator_text or ""):
                # "440,92 tỷ đồng, vượt 18,40% so kế hoạch": exceeded the plan by 18,40%, i.e. 118,40% of it
                # (of a rate, "96,43%, vượt 1,43% chỉ tiêu" is points above the planned rate: not a ratio)
                f = open_fact.fact
                f.stated_ratios.append(StatedRatio(100 + m.n1, over_base, over_base_text))
                f.span = (f.span[0], m.end + over_base_end)
                open_fact.clause_end = m.end + over_base_end
                return True, open_fact
            elif over_base is not None and m.u1 == "%" and (open_fact is None and re.search(r"\d", sentence[: vm_over.start()])
                                                            or open_fact is not None):
                # "96,43% ..., vượt 1,43% chỉ tiêu KH": the gap above the plan, of a figure read or not
                self._unresolved(para, base_offset, sentence, m, "a gap above the plan, not a figure of its own")
                return True, open_fact
            elif over_base is not None and m.u1 == "%" and open_fact is None \
                    and not re.search(r"\d", sentence[: vm_over.start()]):
                # "Thu ngân sách vượt 65,9% kế hoạch": a named indicator's ratio, its figure not stated
                named = self._indicator(sentence[prev_end : max(prev_end, vm_over.start())], ctx)
                if named is None or _verb_only(named) or _qualifier_only(named) or re.search(r"\d", named) \
                        or _SHARE_NAME.match(named):
                    self._unresolved(para, base_offset, sentence, m, "a ratio to a base without the figure it compares")
                    return True, open_fact
                fact = self._new_fact(para, base_offset, sentence, m, named, None, None, None, page, ctx,
                                      sentence[prev_end : m.start])
                fact.stated_ratios.append(StatedRatio(100 + m.n1, over_base, over_base_text))
                fact.span = (fact.span[0], m.end + over_base_end)
                ctx.last_indicator = named
                return True, _OpenFact(fact, m.end + over_base_end)
        if points and not cm and open_fact is not None and open_fact.fact.change is not None and m.n2 is None \
                and re.search(r"đóng\s+góp(?:\s+(?:khoảng|gần|hơn))?\s*$", low_before):
            # "khu vực dịch vụ tăng 8,17%, đóng góp 4,02 điểm phần trăm": the part's contribution to the growth
            f = open_fact.fact
            fact = self._new_fact(para, base_offset, sentence, m, f"Đóng góp vào tăng trưởng của {f.indicator_text}",
                                  m.n1, "điểm %", None, page, ctx, sentence[prev_end : m.start])
            _same_frame(fact, f)
            open_fact.clause_end = max(open_fact.clause_end, m.end)
            return True, open_fact
        if points and not cm:
            return False, open_fact  # "vượt 12,3 điểm phần trăm so với KH": a gap, not a figure
        if cm and m.n2 is None:
            unit = m.u1
            kind = "absolute"
            if unit == "%":
                kind = "percent"
            if points:
                kind, unit = "percentage_points", "%"
            change = ValueChange(m.n1, unit, "decrease" if cm.group(1) == "giảm" else "increase", kind)
            if open_fact is not None and kind == "absolute" and unit:
                same = [f for f in self.facts[ctx.sentence_first :] if f.sentence == sentence and f.unit == unit
                        and f.value is not None and f.change is None]
                if open_fact.fact.unit != unit and len(same) == 1:
                    # "xử lý 245 vụ, 250 đối tượng (giảm 284 vụ ...)": the item that counts vụ changed
                    same[0].change = change
                    open_fact.last_change, open_fact.change_end = change, m.end
                    return True, open_fact
                if open_fact.lead and open_fact.fact.unit == unit and len(same) >= 2 and open_fact.fact.change is None:
                    # "cấp 14 giấy phép nhà ở, 02 giấy phép cho tổ chức (tăng 07 giấy phép ...)": after a
                    # list of one unit, the change of its total
                    fact = self._new_fact(para, base_offset, sentence, m, f"{open_fact.lead} {unit}", None, unit, None,
                                          page, ctx, sentence[prev_end : m.start])
                    fact.change = change
                    fact.doubts.append("a change after a list, read as the change of the list's total")
                    return True, _OpenFact(fact, m.end, last_change=change, change_end=m.end)
            if open_fact is not None and open_fact.fact.change is None:
                f = open_fact.fact
                if change.kind == "percent" and (f.unit == "%" or "tỷ lệ" in f.indicator_text.lower()):
                    change.kind = "percentage_points"
                    if open_fact.share:
                        # "chiếm 71% tổng nguồn vốn, tăng 0,23%": the share's points, or the part's growth?
                        f.doubts.append("a change after a share, written in '%': read as points of the share")
                f.change = change
                f.span = (f.span[0], m.end)
                open_fact.last_change, open_fact.change_end = change, m.end
                return True, open_fact
            named = self._indicator(sentence[prev_end : max(prev_end, cm.start())], ctx) if open_fact is not None else None
            if open_fact is None or named:
                # (or after a change already read: "tăng 1,34%, trong đó ngành khai khoáng tăng 1,75%;
                # công nghiệp chế biến tăng 1,36%": the change of each part the sentence names)
                indicator = named or self._indicator(sentence[prev_end : max(prev_end, cm.start())], ctx)
                prior = self._clause_before(para, base_offset, change) if indicator is None and open_fact is None \
                    and not clean_line(_LEAD_NOISE.sub("", sentence[: cm.start()])) else None
                if prior is not None:
                    # "... tăng 08 cuộc so với tháng trước; tăng 22 cuộc so với cùng kỳ": the same figure's
                    # change against another base
                    fact = self._new_fact(para, base_offset, sentence, m, prior.indicator_text, None, prior.unit, None,
                                          page, ctx, sentence[prev_end : m.start])
                    _same_frame(fact, prior)
                    fact.change = change
                    return True, _OpenFact(fact, m.end, last_change=change, change_end=m.end)
                if indicator is None:
                    self._unresolved(para, base_offset, sentence, m, "change without an indicator")
                    return True, open_fact
                if change.kind == "percent" and "tỷ lệ" in indicator.lower():
                    change.kind = "percentage_points"
                fact = self._new_fact(para, base_offset, sentence, m, indicator, None, None, None, page, ctx,
                                      sentence[prev_end : m.start])
                fact.change = change
                fact.unit = change.unit  # "vi phạm tăng 09 vụ", "GRDP tăng 5,55%": the unit of the change
                return True, _OpenFact(fact, m.end)
            return True, open_fact

        # the level after a change-only statement: "Tỷ lệ hộ nghèo giảm 3,12%, còn 31,27%"
        if (open_fact is not None and open_fact.fact.value is None and open_fact.fact.part_of is None
                and open_fact.fact.change is not None and m.n2 is None
                and re.search(r"(?:còn|là|đạt|xuống\s+còn|lên)\s*$", before, re.IGNORECASE)
                # "Giảm tỷ lệ hộ nghèo đạt 4%, đạt 100% KH": a percent of a plan is the ratio, not the level
                and not (is_percent and self._classify_base(self._base_text(after)[0], "đạt") not in (None, "previous_period")
                         and self._base_text(after)[0])):
            f = open_fact.fact
            f.value, f.value_text, f.unit = m.n1, m.n1_text, m.u1
            if f.change.kind == "percent" and m.u1 == "%":
                f.change.kind = "percentage_points"
            f.span = (f.span[0], m.end)
            return True, open_fact

        # a stated ratio of the open fact: "bằng 98,5% KH", "so với cùng kỳ đạt 104%"
        if is_percent and open_fact is not None:
            vm = re.search(r"(bằng|đạt|=|tương\s+đương|chiếm|đạt\s+tỷ\s+lệ|tỷ\s+lệ|so\s+với\s+([^,;]{0,60}?)\s+(?:đạt|bằng))"
                           r"(?:\s+(?:gần|hơn|trên|khoảng|xấp\s+xỉ))?\s*$", before, re.IGNORECASE)
            if vm is not None:
                verb = vm.group(1).lower()
                if verb.startswith("chiếm") or "tỷ lệ" in verb or verb == "=":
                    if verb == "=" and open_fact.change_end == prev_end:
                        open_fact.change_end = m.end  # "(giảm 09 vụ = 12,7%, 6 người chết = ...)": the list goes on
                    return True, open_fact  # a share of the part/whole just stated, or the same change
                base_text, base_end = self._base_text(after)
                if vm.group(2):
                    base_text = clean_line(vm.group(2))
                    base_end = 0
                if verb == "đạt" and not base_text and open_fact.grade is not None:
                    # "Tốt 80,3%, Khá 16,4%, Đạt 2,3%": the next grade of the list, not a ratio
                    g_head, joiner = open_fact.grade
                    grade_name = f"{g_head}{joiner}{sentence[vm.start(1) + prev_end : vm.end(1) + prev_end]}"
                    fact = self._new_fact(para, base_offset, sentence, m, grade_name, m.n1, "%", None, page, ctx,
                                          sentence[prev_end : m.start])
                    ctx.last_indicator = grade_name
                    return True, _OpenFact(fact, m.end, grade=open_fact.grade)
                base = self._classify_base(base_text, verb)
                if base is None:
                    self._unresolved(para, base_offset, sentence, m, "percent without a known comparison base")
                    return True, open_fact
                ratio = StatedRatio(m.n1, base, base_text)
                f = open_fact.fact
                if not base_text:
                    # "bằng 88,07%", "đạt 96,9%" name no base: plan / previous period is a guess
                    f.doubts.append(f"ratio base not stated ({m.n1_text}% read as {base})")
                f.stated_ratios.append(ratio)
                f.span = (f.span[0], m.end + base_end)
                open_fact.clause_end = m.end + base_end
                if (base.startswith("plan") or base == "estimate_budget") and f.part_of is not None:
                    # "523/550 hộ, đạt 95,1% KH": actual vs plan after all
                    f.value, f.plan_value, f.part_of = f.part_of.numerator, f.part_of.denominator, None
                return True, open_fact

        # "bằng 101%KH", "bằng 108 % so với cùng kỳ" with no figure stated before it in the sentence:
        # a ratio to a base, never a value of its own
        if is_percent and open_fact is None:
            vm = re.search(r"(?:^|\s)(bằng|đạt|so\s+với\s+([^,;]{0,60}?)\s+(?:đạt|bằng))"
                           r"(?:\s+(?:gần|hơn|trên|khoảng|xấp\s+xỉ))?\s*$", before, re.IGNORECASE)
            if vm is not None:
                base_text = clean_line(vm.group(2)) if vm.group(2) else self._base_text(after)[0]
                if vm.group(2) is None and not re.match(_BASE_WORDS, base_text, re.IGNORECASE):
                    base_text = ""  # "đạt 98,8%: vượt KH", "đạt 10%/năm dự toán": no base right after it
                base = self._classify_base(base_text, vm.group(1).lower()) if base_text else None
                if base is not None:
                    # "Cụ thể, tổng thu ngân sách đạt 70,47% dự toán thành phố giao": a named indicator's
                    # ratio, its figure not stated; without a name before it, it compares nothing known
                    lead = sentence[prev_end : prev_end + vm.start()]
                    named = self._indicator(lead, ctx) if vm.start() else None
                    if named is None or _verb_only(named) or _qualifier_only(named) or re.search(r"\d", named) \
                            or re.search(r"(?:chưa|không|chỉ)\s*$", lead, re.IGNORECASE):
                        # ("cơ bản chưa đạt 50% chỉ tiêu": a threshold; "hiện có 1242 bằng 108%": a figure
                        # without its unit before it)
                        self._unresolved(para, base_offset, sentence, m, "a ratio to a base without the figure it compares")
                        return True, open_fact
                    fact = self._new_fact(para, base_offset, sentence, m, named, None, None, None, page, ctx,
                                          sentence[prev_end : m.start])
                    fact.stated_ratios.append(StatedRatio(m.n1, base, base_text))
                    base_end = self._base_text(after)[1] if vm.group(2) is None else 0
                    fact.span = (fact.span[0], m.end + base_end)
                    ctx.last_indicator = named
                    return True, _OpenFact(fact, m.end + base_end)

        # a new value
        indicator_raw = sentence[prev_end : m.start]
        listed = re.fullmatch(r"\s*(?:,\s*|\bvà\s+|\bvới\s+)+", indicator_raw) is not None
        if open_fact is not None and open_fact.change_end == prev_end and listed and m.n2 is None:
            # "(tăng 37 cuộc, 618 lượt người ...)": the next change of the list, of the item that
            # counts the same thing
            c = open_fact.last_change
            same = [f for f in self.facts[ctx.sentence_first :] if f.sentence == sentence and f.unit == m.u1
                    and f.value is not None and f.change is None]
            if c is not None and len(same) == 1:
                same[0].change = ValueChange(m.n1, m.u1, c.direction, "percent" if m.u1 == "%" else "absolute")
            else:
                self._unresolved(para, base_offset, sentence, m, "a change in a list, without the figure it changes")
            open_fact.change_end = m.end
            return True, open_fact
        prep = re.fullmatch(r"\s*,?\s*(của|cho|trên|với|đối\s+với|/|trong)\s*", indicator_raw, re.IGNORECASE)
        if open_fact is not None and prep is not None:
            if open_fact.consumed and prep.group(1).lower() in ("cho", "với", "đối với") and m.n2 is None \
                    and _is_count_unit(m.u1):
                # "tổ chức 208 cuộc PBGDPL với 15.322 lượt người tham dự", "cấp phát 15.465 kg gạo cho
                # 308 hộ": who took part or benefited, a count of its own about the figure before
                return self._accompanying(para, base_offset, sentence, m, after, open_fact, page, ctx, indicator_raw)
            return True, open_fact  # "07 con bò của 7 hộ": a qualifier of the figure before
        if open_fact is not None and not re.search(r"[;,(]|\bvà\b", indicator_raw) and not indicator_raw.strip():
            return False, open_fact
        doubts: list[str] = []
        if re.search(r"(?<!tăng)\s+thêm\s*$", " " + words_before) :
            # "Phấn đấu thêm 01 xã đạt chuẩn": an increment, while the name reads as the total
            doubts.append(f"an increment ('thêm {m.n1_text}') under a name that reads as a total")
        if re.match(r"\W*(?:loại\s+trừ|không\s+kể|không\s+tính|trừ)\s+[^,;]{2,60},", sentence, re.IGNORECASE) \
                and prev_end == 0:
            # "Loại trừ tiền sử dụng đất, tổng thu ngân sách ...": the name leaves out what it excludes
            doubts.append("the sentence restricts the indicator ('" + sentence.split(",", 1)[0].strip() + "')")
        if m.n2 is None and re.match(r"\s*/\s*[^\W\d_]", after):
            # "13 người/ngày": the unit goes on past the lexicon's ("người") - a rate per something
            doubts.append(f"the unit goes on after '/' ('{sentence[m.start:m.end]}{after[:8].rstrip()}')")
        if m.n2 is not None and m.u1 is None and self._fraction(m):
            # "hoàn thành 1/3 tiêu chí": one third, not 1 of 3 counted things, unless the paragraph
            # counts that thing elsewhere ("13 tiêu chí", "2/2 tiêu chí"); even then it stays in doubt
            if not (_is_count_unit(m.u2) and self._counted_elsewhere(para.text, base_offset + m.start, m.u2)):
                self._unresolved(para, base_offset, sentence, m, "a fraction (one third, one half), not a count")
                return True, open_fact
            doubts.append(f"'{m.n1_text}/{_plain(m.n2)}' may be a fraction, not a count")
        unit = m.u2 or m.u1
        named = self._former_unit(indicator_raw) or self._unit_named(self._strip_tail(indicator_raw))
        indicator = self._indicator(indicator_raw, ctx, sentence_start=prev_end == 0)
        if named is not None:
            # "Đàm Thủy 54 hộ": the indicator is the one before the list
            written = self._strip_tail(indicator_raw)
            rest = written[: written.rfind(named[1]) if named[1] in written else len(written) - len(named[1])].strip(" ,;:(")
            own = self._indicator(rest, ctx) if rest and len(rest.split()) > 3 else None
            if own:
                ctx.last_indicator = own
            indicator = own or ctx.last_indicator
            pred = re.match(r"^\s*([^\W\d][^,;.()%\d]{2,60}?)\s*(?=[,;.()]|$)", after)
            if m.n2 is not None and (m.u2 or m.u1) in _COUNT_UNITS and pred and len(pred.group(1).split()) <= 8:
                indicator = clean_line(f"{m.u2 or m.u1} {pred.group(1)}")  # "xã X đạt 17/19 tiêu chí NTM nâng cao"
        if named is not None and named[0] == self.meta.admin_unit_code:
            named, indicator = None, None  # "huyện X (the report's own unit) có 04 xã"
        if indicator is not None and named is None and self._unit_named(indicator) is not None and \
                len(indicator.split()) <= 4:
            indicator = None  # "huyện X có 04 xã": the subject is a place, the measure is unclear
        if indicator is not None and unit and "/" in unit and match_key(indicator) in ("bình quân", "trung bình"):
            indicator = f"{indicator} {unit}"  # "bình quân đạt 14,6 tiêu chí/xã"
        place_only = time_only = False
        if indicator is not None:
            place = _PLACE_LEAD.match(indicator)
            if place:
                indicator = indicator[place.end() :].strip() or None
                place_only = indicator is None
        if indicator is not None and named is None:
            core = _strip_time(indicator)
            if core != indicator:
                # "Đến ngày 21/01/2022 thực hiện đạt ...", "(tháng 9/2022 là 40,8 ...)": a date or a
                # time says when, never what
                indicator = core or None
                time_only = indicator is None
        if indicator is not None and _word_cover(indicator, _AUX_WORDS):
            indicator = None  # "hiện còn 21 đối tượng trọng điểm": an adverb says nothing of what
        if indicator is not None and _REMAINDER.match(indicator) and ctx.last_indicator:
            indicator = ctx.last_indicator  # "các xã còn lại 37 hộ" in a per-commune list
        predicate_end = m.end
        # "306 hộ/1.997 nhân khẩu từ bỏ ...": the words after belong to the second count
        unknown_second = m.n2 is not None and m.u1 is not None and m.u2 is None and not _AFTER_PLAN_NUMBER.match(after)
        obj_text, obj_end = (None, 0) if unknown_second else _object_after(after)
        lead = grade = None
        raw_clause = clean_line(_LEAD_NOISE.sub("", re.split(r"[,;:(]", indicator_raw)[-1]))
        # a count of a noun outside the unit lexicon ("1.031 khẩu") is a figure, not words of a name
        next_item = listed or re.fullmatch(r"\s*(?:,\s*|\bvà\s+|\bvới\s+)+", re.sub(
            r"(?<![\w.,])\d[\d.,]*\s+[^\W\d]+", " ", indicator_raw)) is not None
        if indicator is None and not place_only and not time_only and open_fact is not None and open_fact.lead \
                and next_item:
            # "cấp 14 giấy phép nhà ở riêng lẻ, 02 giấy phép cho tổ chức": the next item of the
            # list the verb before governs; its object follows it
            lead = open_fact.lead
        elif indicator is not None and _verb_only(indicator):
            lead = self._verb_chain(indicator_raw, indicator)
        elif indicator is None and not place_only and not time_only and _verb_only(raw_clause):
            lead = raw_clause  # "..., làm 01 người chết": a verb the tail stripping took for a link word
        if lead is not None:
            # "Ban hành 15 văn bản ...": a verb names what was done; the counted thing (the unit)
            # and the object after the figure name what was counted
            noun = (m.u1 or m.u2) if _is_count_unit(m.u1 or m.u2) else None
            money = (m.u1 or m.u2 or "").endswith(("đồng", "USD"))
            if obj_text:
                indicator = clean_line(" ".join(w for w in (lead, noun, obj_text) if w))
                predicate_end = m.end + obj_end
            elif unit and "/" in unit and m.n2 is None:
                indicator = unit  # "(9) Duy trì 15 bác sỹ/vạn dân": the rate names itself
            elif noun is not None:
                indicator = f"{lead} {noun}"
            elif money and open_fact is not None and not listed and not re.search(
                    r"\d", sentence[open_fact.clause_end : m.start]):
                # "xử lý 7.048 đối tượng, phạt tiền 23,44 tỷ đồng": the amount of what was just counted
                indicator = f"{self._money_subject(open_fact)} - {lead}"
            else:
                indicator = lead
                doubts.append("indicator name is a fragment (a verb without its object)")
        elif indicator is not None and _qualifier_only(indicator):
            grade = self._grade_head(ctx)
            if grade is not None:
                indicator = f"{grade[0]}{grade[1]}{indicator}"  # "Hạnh kiểm: Tốt 80,3%, Khá 16,4%"
            else:
                doubts.append("indicator name is a fragment (a grade without its list head)")
        elif (indicator is None and place_only) or (
            indicator is not None and len(indicator.split()) <= 2 and indicator[:1].islower()
            and not _CROP_MEASURE.match(indicator) and match_key(indicator) not in _MONEY_MEASURES
        ):
            # "trồng được 16,8 ha cây cam, quýt", "toàn huyện có 12.640 hộ được cấp giấy chứng
            # nhận": the object follows the figure
            if obj_text:
                indicator = clean_line(f"{indicator or ''} {obj_text}")
                predicate_end = m.end + obj_end
        elif indicator is not None and obj_text and re.match(r"\s*(?:của|cho|đối\s+với|với)\s+\d", after[obj_end:]):
            # "làm mắc 07 con bò của 7 hộ": the words after the figure are its own; "của 7 hộ" is about it
            predicate_end = m.end + obj_end
        elif indicator is not None and obj_text and unit and re.match(
            rf"\s*,\s*(?:và\s+)?(?:{_NUM})\s*{_unit_pattern(unit)}(?![^\W\d_])", after[obj_end:], re.IGNORECASE
        ):
            # "Hoàn chỉnh thủ tục 48 hồ sơ mai táng phí, 02 hồ sơ đề nghị ...": in a list of one unit
            # the words after each figure are its own, the words before the first name them all
            lead = indicator
            noun = unit if _is_count_unit(unit) else None
            indicator = clean_line(" ".join(w for w in (lead, noun, obj_text) if w))
            predicate_end = m.end + obj_end
        if indicator is not None and " - " in indicator:
            head, _, tail = indicator.rpartition(" - ")
            if _qualifier_only(tail):
                grade = (head, " - ")
        # an amount belongs to the figure just before it, not to one a bare count ("02 hội nghị") follows
        near = open_fact if open_fact is not None and not re.search(r"\d", sentence[open_fact.clause_end : m.start]) \
            else None
        if indicator is not None and lead is None:
            indicator = self._money_head(indicator, near, ctx, doubts)
        if time_only:
            if m.n2 is None and _is_count_unit(unit) and obj_text:
                # "Lũy kế từ đầu năm 2022 đến nay có 60 trường hợp tảo hôn": the object names it
                indicator = clean_line(f"{unit} {obj_text}")
                predicate_end = m.end + obj_end
            elif open_fact is not None:
                indicator = open_fact.fact.indicator_text  # "(tháng 9/2022 là 40,8 ...)": the same, another time
            elif ctx.last_indicator:
                indicator = ctx.last_indicator
                doubts.append("indicator name not stated (taken from the sentence before)")
            elif ctx.subject:
                indicator = ctx.subject
                doubts.append("indicator name not stated (taken from the paragraph's subject)")
        if indicator is None and unit and "/" in unit and not m.n2:
            indicator = unit  # "(9) Có 15 bác sỹ/vạn dân": the unit names the indicator
        if indicator is None and not time_only and m.n2 is None and _is_count_unit(unit) and obj_text:
            # "Gồm: 27 trường mầm non, 20 trường tiểu học": the counted thing names itself
            indicator = clean_line(f"{unit} {obj_text}")
            predicate_end = m.end + obj_end
        if indicator is None and m.n2 is not None and (m.u2 or m.u1) in _COUNT_UNITS:
            # "03/19 xã đạt 19 tiêu chí": the whole is named by the unit and what follows
            pred = re.match(r"^\s*([^,;.()]{3,60}?)\s*(?=[,;.()]|$)", after)
            if pred and len(pred.group(1).split()) <= 8:
                indicator = clean_line(f"{m.u2 or m.u1} {pred.group(1)}")
                predicate_end = m.end + pred.end()
        if indicator is None:
            if is_percent:
                return False, open_fact
            self._unresolved(para, base_offset, sentence, m, "figure without an indicator name")
            # a figure we cannot name stands between: what follows (a ratio, "với số tiền ...") is
            # not about the fact before it
            return True, None
        if (match_key(indicator) in _GENERIC_NAMES or _CROP_MEASURE.match(indicator)) and not any(
            d.startswith("indicator name") for d in doubts
        ) and not re.match(r"tổng\s+(?:diện\s+tích|sản\s+lượng)", indicator, re.IGNORECASE):
            # ("Tổng diện tích gieo trồng": all crops of the report's unit, a name of its own)
            doubts.append("indicator name is a generic measure without its subject")
        value, plan_value, part = m.n1, None, None
        second_unit = None
        if m.n2 is not None:
            if m.u1 and m.u2 and m.u2.startswith(m.u1 + "/"):
                plan_value = m.n2  # "46,8 tạ/45,0 tạ/ha"
            elif m.u1 and m.u2 and m.u1 != m.u2 and not (m.u1 == "tỷ đồng" and m.u2 == "tỷ đồng"):
                unit, plan_value = m.u1, None  # "04 vụ/04 đối tượng": two counts
                second_unit = m.u2
            elif unknown_second:
                # "306 hộ/1.997 nhân khẩu": the second number counts another thing, named by a word
                # the unit lexicon does not know; not a plan
                unit, plan_value = m.u1, None
                doubts.append("'/' joins two counts; the second one's unit is not known")
            elif unit in _COUNT_UNITS or self._ratio_follows(after) == "share":
                value, part = None, PartWhole(m.n1, m.n2, unit)
            else:
                plan_value = m.n2
                if not self._plan_context(after):
                    # "23/37 hộ", "100,7/100 ha" with no "đạt x% KH": actual/plan is a guess
                    doubts.append("'a/b' read as actual/plan without a plan ratio")
        verb = re.match(r"^(giảm|tăng)\s+(?=\S)", indicator, re.IGNORECASE)
        level = re.search(r"\s+(?:xuống|lên)(?:\s+(còn|dưới|trên|mức))?$", indicator_raw.strip(), re.IGNORECASE)
        if verb and level:
            # "Giảm tỷ lệ thất nghiệp ... xuống dưới 4%": the level reached (a bound with dưới/trên), not the change
            indicator = clean_line(re.sub(r"\s+(?:xuống|lên)(?:\s+(?:còn|dưới|trên|mức))?$", "", indicator[verb.end() :]))
            if level.group(1) and level.group(1).lower() in ("dưới", "trên"):
                doubts.append(f"a bound ('{level.group(1)} {m.n1_text}'), not a value")
            verb = None
        if verb and m.n2 is None and value is not None and (unit == "%" or "tỷ lệ" in indicator.lower()):
            # "Giảm tỷ lệ hộ nghèo đạt 4%": the figure is the change of the rate
            indicator = indicator[verb.end() :]
            kind = "percentage_points" if unit == "%" and "tỷ lệ" in indicator.lower() else ("percent" if unit == "%" else "absolute")
            fact = self._new_fact(para, base_offset, sentence, m, indicator, None, unit, None, page, ctx, indicator_raw)
            fact.change = ValueChange(value, unit, "decrease" if verb.group(1).lower() == "giảm" else "increase", kind)
            fact.doubts.extend(doubts)
            ctx.last_indicator = indicator
            return True, _OpenFact(fact, m.end)
        fact = self._new_fact(para, base_offset, sentence, m, indicator, value, unit, plan_value, page, ctx, indicator_raw)
        fact.part_of = part
        fact.doubts.extend(d for d in doubts if d not in fact.doubts)
        # "8,13 triệu đồng đối với UBND xã Lăng Hiếu, 5,437 triệu đồng đối với UBND thị trấn Trà
        # Lĩnh": a unit named right after the figure (before the next one) is its unit; one named
        # before it, after an earlier figure of the sentence, was that figure's
        after_clause = re.split(r"[;.]|\d", after, maxsplit=1)[0][:120]
        # ("tập trung ở xã Môn Sơn 68 người, ...", "ở huyện A và thị xã B": where a total is, not its unit)
        if (named is None or prev_end > 0) and re.search(r"(?<!\w)(?:đối với|tại|của|ở)\s", after_clause,
                                                         re.IGNORECASE) \
                and not re.search(r"tập\s+trung", after_clause, re.IGNORECASE) and len(find_mentions(after_clause)) == 1:
            after_named = self._typed_unit_in(after_clause)
            if after_named is not None:
                named = after_named
                if indicator is not None:
                    ctx.last_indicator = indicator  # the next "Y đối với B" is the same measure
        if named is None:
            typed = self._typed_unit_in(indicator_raw)
            if typed is not None:
                named = typed
        if named is not None:
            fact.admin_unit_code, fact.admin_unit_text = named
        if named is None:
            ctx.last_indicator = indicator
        if second_unit is not None:
            # the second count is a figure of its own, of the same activity
            n2_start = self._n2_start(sentence, m)
            second_name = indicator
            if lead is not None:  # "khởi tố 04 vụ/04 đối tượng tội phạm hình sự": its own counted thing
                second_name = clean_line(" ".join(w for w in (lead, second_unit, obj_text) if w))
            second = self._new_fact(para, base_offset, sentence, m, second_name, m.n2, second_unit, None, page, ctx,
                                    indicator_raw)
            second.value_text = sentence[n2_start : n2_start + len(re.match(_NUM, sentence[n2_start:]).group(0))]
            second.span = (n2_start, m.end)
            second.admin_unit_code, second.admin_unit_text = fact.admin_unit_code, fact.admin_unit_text
            second.doubts.extend(d for d in fact.doubts if d not in second.doubts)
        return True, _OpenFact(fact, predicate_end, lead=lead, grade=grade, consumed=predicate_end > m.end)

    def _accompanying(self, para, base_offset, sentence, m: _Mention, after: str, open_fact: _OpenFact, page: int,
                      ctx: _Context, indicator_raw: str) -> tuple[bool, _OpenFact]:
        subject = open_fact.subject or open_fact.fact.indicator_text
        obj_text, obj_end = _object_after(after)
        name = f"{subject} - {clean_line(' '.join(w for w in (m.u1, obj_text) if w))}"
        fact = self._new_fact(para, base_offset, sentence, m, name, m.n1, m.u1, None, page, ctx, indicator_raw)
        fact.admin_unit_code, fact.admin_unit_text = open_fact.fact.admin_unit_code, open_fact.fact.admin_unit_text
        return True, _OpenFact(fact, m.end + obj_end, lead=open_fact.lead, consumed=obj_end > 0, subject=subject)

    # -- completing a name ------------------------------------------------------------------------
    @staticmethod
    def _fraction(m: _Mention) -> bool:
        """"1/3", "1/2", "3/4" as written before a noun: the shape of a fraction, not of two counts
        (a count has a leading zero "01/03", or a part not smaller than its whole "2/2")."""
        n1, n2 = m.n1, m.n2
        if n2 is None or n1 != n1.to_integral_value() or n2 != n2.to_integral_value():
            return False
        return 0 < n1 < n2 <= 4 and not m.n1_text.startswith("0")

    @staticmethod
    def _counted_elsewhere(text: str, pos: int, unit: str) -> bool:
        """The paragraph counts `unit` at another place with a number that is not a fraction."""
        pattern = rf"(?<![\d.,/])(\d+)(?:\s*/\s*(\d+))?\s*{_unit_pattern(unit)}(?![^\W\d_])"
        for mm in re.finditer(pattern, text, re.IGNORECASE):
            if mm.start() <= pos < mm.end():
                continue
            a, b = int(mm.group(1)), int(mm.group(2)) if mm.group(2) else None
            if b is None or not (0 < a < b <= 4) or mm.group(1).startswith("0"):
                return True
        return False

    @staticmethod
    def _n2_start(sentence: str, m: _Mention) -> int:
        slash = sentence.index("/", m.start, m.end)
        return slash + 1 + (len(sentence[slash + 1 : m.end]) - len(sentence[slash + 1 : m.end].lstrip()))

    def _plan_context(self, after: str) -> bool:
        """A plan is named right after "a/b": "đạt 95,1% KH", "bằng 103% chỉ tiêu", "kế hoạch"."""
        if self._ratio_follows(after) == "plan":
            return True
        clause = re.split(r"[;.]", after, maxsplit=1)[0]
        return re.search(r"\b(?:KH|kế\s+hoạch|chỉ\s+tiêu|dự\s+toán)\b", clause, re.IGNORECASE) is not None

    @staticmethod
    def _verb_chain(indicator_raw: str, verb: str) -> str:
        """"Phát hiện, xử lý": the verbs listed before the one next to the figure belong to it."""
        parts = [clean_line(_LEAD_NOISE.sub("", p))
                 for p in re.split(r"[,:;]", re.sub(r"\([^()]*\)", " ", indicator_raw))]
        parts = [p for p in parts if p]
        if not parts or match_key(NarrativeExtractor._strip_tail(parts[-1])) != match_key(verb):
            return verb
        chain = [verb]
        for p in reversed(parts[:-1]):
            if not _verb_only(p):
                break
            chain.insert(0, p)
        return ", ".join(chain)

    @staticmethod
    def _grade_head(ctx: _Context) -> tuple[str, str] | None:
        """The head of a grade list from the item before: "Hạnh kiểm - Tốt" -> ("Hạnh kiểm", " - "),
        "THPT xếp loại học lực giỏi" -> ("THPT xếp loại học lực", " "); else a label of this sentence."""
        last = ctx.last_indicator
        if last:
            head, sep, tail = last.rpartition(" - ")
            if sep and _qualifier_only(tail):
                return head, " - "
            words = last.split()
            for n in (4, 3, 2, 1):
                if len(words) > n and _qualifier_only(" ".join(words[-n:])):
                    return " ".join(words[:-n]), " "
        if ctx.head and ctx.head_fresh:
            return ctx.head, " - "
        return None

    @staticmethod
    def _money_subject(open_fact: _OpenFact) -> str:
        """What an amount after a figure is paid for: that figure's name, less its own amount word."""
        if open_fact.subject:
            return open_fact.subject
        prev = open_fact.fact.indicator_text
        p_head, sep, p_tail = prev.rpartition(" - ")
        if sep and (match_key(p_tail) in _MONEY_MEASURES or _verb_only(p_tail)):
            return p_head
        return prev

    @staticmethod
    def _money_head(indicator: str, open_fact: _OpenFact | None, ctx: _Context, doubts: list[str]) -> str:
        """"số tiền", "cá nhân với tổng số tiền": an amount paid for what the sentence counted just
        before ("thăm viếng 03 cuộc, số tiền 1,5 triệu đồng"), else for the words before "với"."""
        k = match_key(indicator)
        found = next((x for x in sorted(_MONEY_MEASURES, key=len, reverse=True) if k == x or k.endswith(" " + x)), None)
        if found is None:
            return indicator
        rest = k[: len(k) - len(found)].strip()
        if rest and not re.search(r"(?:^|\s)với$", rest):
            return indicator  # "thu hồi nộp NSNN số tiền": the activity is named
        measure = indicator[len(indicator) - len(found) :]
        left = re.sub(r"\s*với$", "", indicator[: len(rest)]).strip(" ,") if rest else ""
        head = None
        if open_fact is not None:
            head = NarrativeExtractor._money_subject(open_fact)
        elif left:
            head = left
        elif ctx.head and ctx.head_fresh:
            head = ctx.head
        if head is None:
            doubts.append("indicator name is a generic measure without its subject")
            return measure
        return f"{head} - {measure}"

    def _ratio_follows(self, after: str) -> str | None:
        mm = re.match(r"^[\s,]*(?:\([^)]*\))?[\s,]*(đạt\s+tỷ\s+lệ|chiếm\s+tỷ\s+lệ|chiếm|đạt|bằng)\s+"
                      r"(?:(?:gần|hơn|trên|khoảng|xấp\s+xỉ)\s+)?("
                      + _NUM + r")\s*%(.{0,40})", after, re.IGNORECASE)
        if not mm:
            return None
        if mm.group(1).lower().startswith(("đạt tỷ", "chiếm")):
            return "share"
        base = self._classify_base(self._base_text(mm.group(3))[0], mm.group(1).lower())
        if base is None or base == "previous_period":
            return "share" if not self._base_text(mm.group(3))[0] else None
        return "plan"

    @staticmethod
    def _base_text(after: str) -> tuple[str, int]:
        """The words naming a ratio's base, right after the percent: up to a comma, ';', '(' or 'và'."""
        mm = re.match(r"^\s*((?:so\s+với\s+)?[^,;.()…]*?)(?=\s*(?:[,;.()…]|\bvà\s+(?:bằng|đạt|so)|$))", after,
                      re.IGNORECASE)
        if not mm:
            return "", 0
        text = clean_line(mm.group(1))
        # "chỉ tiêu KH của tỉnh, của huyện": the base goes on over a comma when the next words
        # still name who set the plan
        end = mm.end()
        while True:
            more = re.match(r"^,\s*((?:của\s+)?(?:KH\s+)?(?:tỉnh|huyện|thành phố|xã)[^,;.()]*?)(?=\s*(?:[,;.()]|\bvà\b|$))", after[end:])
            if not more or not text:
                break
            text = text + ", " + clean_line(more.group(1))
            end += more.end()
        return text, end

    @staticmethod
    def _classify_base(base_text: str, verb: str) -> str | None:
        k = fold_ascii(base_text).lower()
        if not k:
            if verb.startswith("bằng"):
                return "previous_period"
            if verb.startswith("đạt"):
                return "plan"
            return None
        if any(w in k for w in ("cung ky", "so voi nam", "nam truoc", "so voi thang", "thang truoc", "cung thoi ky",
                                "so voi dau nam", "nam 20")) and "ke hoach" not in k and "kh" not in k.split():
            return "previous_period"
        hdnd = "hdnd" in k or "hoi dong nhan dan" in k
        ubnd_tinh = any(w in k for w in ("ubnd tinh", "uy ban nhan dan tinh", "tinh giao", "ubnd tp", "tinh"))
        if "du toan" in k:
            if hdnd:
                return "plan_hdnd"
            if ubnd_tinh:
                return "plan_ubnd_tinh"
            return "estimate_budget"
        if any(w in k.split() for w in ("kh",)) or any(w in k for w in ("ke hoach", "chi tieu", "muc tieu", "nghi quyet")):
            if hdnd:
                return "plan_hdnd"
            if re.search(r"(ubnd|uy ban nhan dan) tinh|do ubnd tinh", k):
                return "plan_ubnd_tinh"
            return "plan"
        return None

    @staticmethod
    def _strip_tail(text: str) -> str:
        t = re.sub(r"\([^()]*\)?\s*$", "", text) if text.rstrip().endswith(")") else text
        t = t.strip()
        for _ in range(4):
            new = _VERB_TAIL.sub("", t).strip(" ,;:")
            if new == t:
                break
            t = new
        return t

    def _indicator(self, text: str, ctx: _Context, sentence_start: bool = False) -> str | None:
        """Indicator as written from the words before a figure, or None when there are none."""
        t = re.sub(r"\([^()]*\)", " ", text)  # parenthetical asides ("(tính đến ngày ...)")
        t = t.split("(")[-1]
        # the clause: after the last ';' or ',' that leaves words (not the commas of a label "Lớp 7,8,9:")
        t = re.sub(r"(?<=\d),(?=\d[\d,]*\s*:)", "\x00", t)
        # "nông, lâm nghiệp", "trung, dài hạn": a comma inside a compound name, not between clauses
        t = re.sub(r"(?i)\b(nông|lâm|trung|ngắn)\s*,(?=\s*(?:lâm|thủy|thuỷ|ngư|dài|trung)\b)", "\\1\x00", t)
        parts = [p.replace("\x00", ",") for p in re.split(r"[;,]", t)]
        t = parts[-1]
        if len(clean_line(self._strip_tail(t))) < 3 and len(parts) > 1:
            if sentence_start and len(parts[0].split()) > 2:
                # "Tổng vốn đầu tư ... được huy động từ nhiều nguồn, tập trung cho ..., ước đạt X":
                # the subject of the sentence, up to its first verb
                t = re.split(r"\s(?:được|đã|tiếp\s+tục|là|đạt)\s", parts[0])[0]
            else:
                t = parts[-2] + " " + t if len(parts[-2].split()) <= 8 else t
        head = None
        if ":" in t and not t.rpartition(":")[2].strip() and ":" in t.rpartition(":")[0]:
            t = t.rpartition(":")[0]  # "Hạnh kiểm: Tốt: 86,52%": the label before the figure is the name
        if ":" in t:
            left, _, right = t.rpartition(":")
            left_clean = _head_label(_LEAD_NOISE.sub("", left)) or ""
            grade = _qualifier_only(clean_line(right).strip(" ,;:"))
            if len(left_clean.split()) > (10 if grade else 6) and ":" in left_clean:
                # "Kim 1 Kết quả gieo trồng: Lúa xuân: Diện tích": the nearest label is the head
                left_clean = _head_label(left_clean.rpartition(":")[2]) or ""
            if right.strip():
                if 0 < len(left_clean.split()) <= (10 if grade else 6) and \
                        match_key(left_clean) not in _DISCOURSE_HEADS:
                    head = left_clean
                    ctx.head = head
                    ctx.head_fresh = True
                t = right
            else:
                t = left
        as_written = clean_line(_LEAD_NOISE.sub("", t)).strip(" ,;:-–")
        if _qualifier_only(as_written) and match_key(as_written) != match_key("đạt"):
            t = as_written  # "chưa đạt 5,9%": the grade keeps its verb
        else:
            t = clean_line(_LEAD_NOISE.sub("", self._strip_tail(t)))
            t = self._strip_tail(t)
            t = clean_line(t.strip(" ,;:-–"))
        if not t and head:
            return head  # "Riêng ước thu từ đầu giá: ước thực hiện 350 tỷ đồng"
        if not re.search(r"[^\W\d_]{2,}", t) or t[:1].isdigit() or re.search(r"\bvà$", t):
            return None  # no words, or a list whose objects follow the figures ("34 ha Dẻ hạt và 20 ha")
        # a generic measure name inherits its head: "Cây ngô - Sản lượng"
        if match_key(t) in _MONEY_MEASURES and head is None:
            return t  # an amount belongs to the figure before it, not to a list head (see _money_head)
        if match_key(t) in _GENERIC_NAMES or _CROP_MEASURE.match(t) or (
                head is None and len(t.split()) <= 2 and match_key(t.split()[0]) in {
            match_key(w) for w in ("sản", "năng", "diện")
        }):
            inherited = head or ctx.head or self._head_from(ctx.last_indicator)
            if inherited and match_key(inherited) != match_key(t):
                return f"{inherited} - {t}"
        if head and match_key(head) not in _DISCOURSE_HEADS and len(t.split()) <= 4:
            return f"{head} - {t}"
        if len(t) > 160:
            t = t[-160:].split(" ", 1)[-1]
        return t

    @staticmethod
    def _head_from(indicator: str | None) -> str | None:
        """"Diện tích gieo trồng cây lương thực có hạt" -> "cây lương thực có hạt"."""
        if not indicator:
            return None
        if " - " in indicator:
            return _head_label(indicator.split(" - ")[0])  # not "năng suất" of "năng suất - sản lượng"
        k = indicator
        for g in sorted(("Tổng diện tích gieo trồng", "Diện tích gieo trồng", "Diện tích trồng", "Diện tích",
                         "Tổng diện tích", "Sản lượng", "Năng suất"), key=len, reverse=True):
            if k.lower().startswith(g.lower() + " "):
                rest = k[len(g) :].strip()
                if not rest or _CROP_MEASURE.match(f"diện tích {rest}"):
                    return None  # "diện tích cho thu hoạch": a qualifier of the measure, not a crop
                return rest
        return None

    def _range_high(self, para, base_offset, sentence, m: _Mention, open_fact: _OpenFact | None):
        """The upper bound of "tăng 7,5 - 8,0%": the fact of the lower bound again, with this number."""
        low = m.range_of
        f = open_fact.fact if open_fact is not None else None
        if f is None or not (f.span[0] <= low.start < f.span[1] + 1):
            self._unresolved(para, base_offset, sentence, m, "the upper bound of a range whose lower bound was not read")
            return True, open_fact
        high = copy.deepcopy(f)
        high.fact_index = len(self.facts)
        high.span = (m.start, m.end)
        if f.change is not None and f.change.value == low.n1:
            high.change.value = m.n1
        elif f.value == low.n1:
            high.value, high.value_text = m.n1, m.n1_text
        else:
            self._unresolved(para, base_offset, sentence, m, "the upper bound of a range whose lower bound was not read")
            return True, open_fact
        high.doubts = [d for d in f.doubts if not d.startswith("a range (")]
        self.facts.append(high)
        return True, _OpenFact(high, m.end)

    def _rank(self, para, base_offset, sentence, m: _Mention, open_fact: _OpenFact, ctx: _Context):
        """"GRDP quý III tăng 6,88%, xếp vị trí thứ 26/34 tỉnh, thành phố": the rank of the figure before
        among the units compared (the whole, when written), with that figure's period and scenario."""
        f = open_fact.fact
        page = para.page_of(base_offset + m.start)
        among = re.match(r"\s*(tỉnh,\s*thành(?:\s+phố)?)(?!\w)", sentence[m.end :]) or re.match(
            r"\s*([^\W\d_][^,;.()\d]{0,60}?)\s*(?=[,;.()]|$)", sentence[m.end :])
        name = f"Thứ hạng {f.indicator_text}"
        fact = self._new_fact(para, base_offset, sentence, m, name, m.n1, None, None, page, ctx, sentence[: m.start])
        _same_frame(fact, f)
        end = m.end
        if m.n2 is not None:
            fact.part_of = PartWhole(m.n1, m.n2, clean_line(among.group(1)) if among else None)
        else:
            # "xếp thứ 6 trong tổng số 10 huyện, thành phố": the whole written after the rank
            total = re.match(rf"\s*trong\s+(?:tổng\s+)?(?:số\s+)?({_NUM})\s+(tỉnh,\s*thành(?:\s+phố)?(?!\w)|[^\W\d_][^,;.()\d]{{0,40}}?(?=\s*[,;.()]|\s+của\b|$))",
                             sentence[m.end :], re.IGNORECASE)
            if total is not None:
                fact.part_of = PartWhole(m.n1, _number(total.group(1)), clean_line(total.group(2)))
                end = m.end + total.end()
        fact.span = (fact.span[0], end)
        open_fact.clause_end = max(open_fact.clause_end, end)
        return True, open_fact

    def _share(self, para, base_offset, sentence, m: _Mention, share: re.Match, after: str, prev_end: int,
               open_fact: _OpenFact | None, ctx: _Context) -> tuple[bool, _OpenFact | None]:
        """"17 xã đạt chuẩn NTM, chiếm 12,2% trên tổng số xã", "320/411 xã ..., tương đương 77,86%",
        "Ngành nông-lâm nghiệp chiếm 38,10%, giảm 0,07%": the share of a part in its whole is a figure
        of its own (the part's rate or weight), and a change after it is the share's change."""
        page = para.page_of(base_offset + m.start)
        clause = sentence[prev_end : prev_end + share.start()]
        # the words right before the verb name the part, unless the share follows its figure
        # directly ("17 xã ..., chiếm 12,2%": the part is that figure's)
        last_words = clean_line(_LEAD_NOISE.sub("", re.split(r"[,;(]", clause)[-1]))
        own = self._indicator(clause, ctx, sentence_start=prev_end == 0) if re.search(r"[^\W\d_]", last_words) else None
        whole = re.match(r"\s*(?:trên|trong|so\s+với|của)?\s*(tổng\s+[^,;.()\d]{2,60}?)\s*(?=[,;.()]|$)", after,
                         re.IGNORECASE)
        # a figure before the verb in the same clause ("tiêm 2 mũi chiếm 92,3%"): its words do not name
        # the part alone, and the share is not that figure's
        broken = prev_end == 0 or re.search(r"[,;:(]", clause) is not None
        base = open_fact.fact if open_fact is not None and broken else None
        if own and broken and not _verb_only(own) and not _qualifier_only(own):
            subject, base = own, None
        elif base is not None and base.indicator_text and (
                base.unit != "%" and base.value is not None or base.part_of is not None):
            subject = base.indicator_text
            unit = (base.part_of.unit if base.part_of is not None else None) or base.unit
            if _is_count_unit(unit) and match_key(unit) not in match_key(subject):
                subject = f"{unit} {subject}"  # "320/411 xã đạt chuẩn NTM": the rate of xã
        else:
            self._unresolved(para, base_offset, sentence, m, "a share without the part it is a share of")
            return True, open_fact
        counted = base is not None and (base.part_of is not None or _is_count_unit(base.unit))
        name = subject if _SHARE_NAME.match(subject) else f"{'Tỷ lệ' if counted else 'Tỷ trọng'} {subject}"
        if whole is not None:
            name = f"{name} trên {clean_line(whole.group(1))}"
        fact = self._new_fact(para, base_offset, sentence, m, name, m.n1, "%", None, page, ctx, clause)
        if base is not None:
            _same_frame(fact, base)
            if base.part_of is not None and base.part_of.denominator:
                stated = base.part_of.numerator / base.part_of.denominator * 100
                decimals = len(m.n1_text.partition(",")[2])
                if abs(stated - m.n1) > Decimal(5) / (10 ** (decimals + 1)) + Decimal("0.01"):
                    fact.doubts.append(f"the share {m.n1_text}% is not {_plain(base.part_of.numerator)}/"
                                       f"{_plain(base.part_of.denominator)}")
        ctx.last_indicator = name
        end = m.end + (whole.end() if whole is not None else 0)
        fact.span = (fact.span[0], end)
        return True, _OpenFact(fact, end, share=True)

    def _new_fact(self, para: Paragraph, base_offset: int, sentence: str, m: _Mention, indicator: str,
                  value: Decimal | None, unit: str | None, plan_value: Decimal | None, page: int, ctx: _Context,
                  indicator_raw: str) -> NarrativeFact:
        scenario = "actual"
        ptype, pstart, pend = self._report_period()
        clause = sentence[: m.start].lower()
        if ctx.plan_period is not None:
            scenario = "plan"
            ptype, pstart, pend = ctx.plan_period
        elif ctx.estimate or ctx.continued_estimate or re.search(r"\bước\b", clause):
            scenario = "estimate"
        elif re.search(r"\bphấn\s+đấu\b", indicator_raw.lower()) or (
                ctx.lead_target is not None and m.start >= ctx.lead_target):
            scenario = "target"
        elif re.search(r"(?:được|kế hoạch|KH|dự toán|chỉ tiêu)\s+(?:vốn\s+)?giao\b", indicator_raw, re.IGNORECASE):
            scenario = "plan"
        doubts: list[str] = []
        # an explicit period before the figure ("10 tháng năm 2022, khai thác gỗ đạt ...", "tháng
        # 9/2022 là 40,8"), else the one opening the paragraph
        stated = self._stated_period(sentence[: m.start], pend or pstart, doubts) if ctx.plan_period is None else None
        own_period = stated is not None or re.search(r"(?<!so với )\bnăm\s+\d{4}", sentence[: m.start]) is not None
        if stated is not None:
            ptype, pstart, pend = stated
        elif ctx.plan_period is None:
            ym = re.search(r"(?<!so với )\bnăm\s+(\d{4})\s*(?:(?:đạt|là|được|có|ước đạt|:)\s*)?$", indicator_raw.strip())
            if ym and not re.search(r"so\s+với[^,;]*năm\s+" + ym.group(1), indicator_raw):
                y = int(ym.group(1))
                if pstart is None or y != pstart.year:
                    ptype, pstart, pend = "year", date(y, 1, 1), date(y, 12, 31)
            elif ctx.lead_year is not None and m.start >= ctx.lead_year[1]:
                y = ctx.lead_year[0]
                if pstart is None or not (pstart.year == y == pend.year):
                    ptype, pstart, pend = "year", date(y, 1, 1), date(y, 12, 31)
            elif ctx.period is not None:
                ptype, pstart, pend = ctx.period  # the paragraph's "10 tháng năm 2022, ..."
            elif ctx.results_period is not None and (scenario == "actual" or "cùng kỳ" in sentence.lower()):
                # an estimate compared with the same period last year is of the section's period too
                ptype, pstart, pend = ctx.results_period  # the section's "KẾT QUẢ THỰC HIỆN 6 THÁNG ĐẦU NĂM"
        fact = NarrativeFact(
            fact_index=len(self.facts),
            page=page,
            sentence=sentence,
            span=(m.start, m.end),
            indicator_text=indicator,
            value=value,
            value_text=m.n1_text if value is not None else None,
            unit=unit,
            scenario=scenario,
            period_type=ptype,
            period_start=pstart,
            period_end=pend,
            # "Tính đến 31/10/2023, ... Ước thu ngân sách năm 2023 đạt 312 tỷ": the date of an earlier
            # sentence does not hold for one that states its own period
            as_of_date=ctx.as_of if ctx.plan_period is None and (ctx.as_of_here or not own_period) else None,
            plan_value=plan_value,
            footnote=para.footnote,
            doubts=doubts,
        )
        if stated is None and ctx.plan_period is None and re.search(r"(?:tính\s+)?từ\s+đầu\s+năm|lũy\s+kế|luỹ\s+kế",
                                                                    sentence[: m.start], re.IGNORECASE) \
                and self.meta.issue_date and pend and self.meta.issue_date < pend:
            # "tính từ đầu năm" in a report issued before its period ended: up to when?
            fact.doubts.append("a year-to-date figure whose end date is not stated")
        if ctx.plan_period is not None and re.search(r"(?:^|\s)(?:đã|đạt\s+được)\s", indicator_raw, re.IGNORECASE):
            # under a plan heading, but the words say it was done: plan or actual is unclear
            fact.doubts.append("scenario unclear: a plan section, but the sentence reports a result")
        self.facts.append(fact)
        return fact

    @staticmethod
    def _stated_period(text: str, report_end: date | None, doubts: list[str]) -> tuple[str, date, date] | None:
        """The period a figure's sentence states before it: N months, a quarter, a half or a month
        (a year is read from the indicator words). Not a comparison base ("so với 9 tháng năm
        2021", "cùng kỳ"), not the end of a stock ("đến hết tháng 6"), not a date."""
        t = clean_line(text)
        found = []
        for pm in find_periods(t):
            if pm.period_type in (None, "year"):
                continue
            pre = t[max(0, pm.start_pos - 30) : pm.start_pos]
            if re.search(r"(?:so\s+với|cùng\s+kỳ|đến|tới|hết|từ|ngày(?:\s+\d{1,2})?|sau|trước|mỗi|vòng|kéo\s+dài|"
                         r"thời\s+gian|vào|cuối|đầu)\s*$", pre, re.IGNORECASE):
                continue
            if re.match(r"\s*(?:tuổi|trở\s+lên|liên\s+tục)", t[pm.end_pos :], re.IGNORECASE):
                continue
            year = pm.year or (report_end.year if report_end else None)
            if pm.period_type == "month" and pm.year is None and report_end and pm.month and \
                    pm.month > report_end.month:
                year = report_end.year - 1  # "tháng 12" in a January report: the year before
            start, end = bounds(pm.effective_type, year, pm.month, pm.quarter)
            if start is not None:
                found.append((pm.effective_type, start, end))
                if pm.year is None and report_end and end > report_end:
                    doubts.append(f"year of '{pm.text}' not stated; the report's year taken")
        if not found:
            return None
        if len(set(found)) > 1:
            doubts.append("several periods stated before the figure; the nearest one taken")
        return found[-1]

    def _unresolved(self, para: Paragraph, base_offset: int, sentence: str, m: _Mention, reason: str) -> None:
        self.unresolved.append(
            UnresolvedMention(
                page=para.page_of(base_offset + m.start),
                sentence=sentence,
                text=sentence[m.start : m.end],
                span=(m.start, m.end),
                reason=reason,
                footnote=para.footnote,
            )
        )


def extract_narrative(
    paragraphs: list[Paragraph], metadata: ReportMetadata
) -> tuple[list[NarrativeFact], list[UnresolvedMention]]:
    ex = NarrativeExtractor(metadata)
    ex.run(paragraphs)
    return ex.facts, ex.unresolved
