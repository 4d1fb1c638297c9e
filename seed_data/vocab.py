"""Chinese vocabulary of the demo organisation: people, companies, categories and complaint texts."""

from __future__ import annotations

import numpy as np

# Surnames in rough order of frequency; the first ones are drawn more often.
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_ONE = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林欢阳建亮成峰婷雪琳晶颖倩萍红玲燕蕾莉楠佳琪悦晨璐瑶昊博毅"
)
GIVEN_TWO = [
    "秀英",
    "桂英",
    "建华",
    "建国",
    "志强",
    "志明",
    "晓东",
    "晓明",
    "海燕",
    "丽娟",
    "文静",
    "子涵",
    "欣怡",
    "梓轩",
    "浩然",
    "宇轩",
    "雨桐",
    "思远",
    "嘉怡",
    "一鸣",
    "俊杰",
    "晓峰",
    "国庆",
    "春梅",
    "海涛",
    "立新",
    "永刚",
    "晓丽",
    "红梅",
    "玉兰",
    "振华",
    "明辉",
    "文博",
    "思琪",
    "佳怡",
    "雅婷",
    "子轩",
    "梦瑶",
    "天宇",
    "博文",
    "雪梅",
    "志远",
    "海波",
    "丹丹",
    "婷婷",
    "鹏飞",
    "建军",
    "晓燕",
    "国华",
    "伟东",
    "嘉欣",
    "子豪",
    "诗涵",
    "若曦",
    "明杰",
    "俊豪",
    "晓雯",
    "慧敏",
    "泽宇",
    "静怡",
]

CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "天津",
    "重庆",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "长沙",
    "郑州",
    "青岛",
    "济南",
    "合肥",
    "福州",
    "厦门",
    "宁波",
    "无锡",
    "大连",
    "沈阳",
    "哈尔滨",
    "长春",
    "石家庄",
    "太原",
    "南昌",
    "南宁",
    "昆明",
    "贵阳",
    "兰州",
    "呼和浩特",
    "银川",
    "海口",
    "珠海",
    "佛山",
    "东莞",
    "温州",
    "绍兴",
    "嘉兴",
    "常州",
    "南通",
    "徐州",
    "扬州",
    "烟台",
    "潍坊",
    "唐山",
    "保定",
    "洛阳",
    "襄阳",
    "宜昌",
    "芜湖",
    "泉州",
    "漳州",
    "桂林",
    "柳州",
    "绵阳",
    "台州",
]
DISTRICTS = [
    "城东",
    "城西",
    "高新区",
    "开发区",
    "滨江",
    "新区",
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "东湖",
    "西湖",
    "南湖",
    "北城",
    "江北",
    "河西",
    "经开区",
    "金融街",
    "科技园",
    "自贸区",
]
BANK_BRANDS = [
    "华夏银行",
    "中信银行",
    "浦发银行",
    "兴业银行",
    "光大银行",
    "民生银行",
    "招商银行",
    "平安银行",
    "广发银行",
    "交通银行",
    "北京银行",
    "上海银行",
    "江苏银行",
    "宁波银行",
    "南京银行",
    "杭州银行",
    "渤海银行",
    "浙商银行",
    "恒丰银行",
    "徽商银行",
]
COMPANY_ROOTS = [
    "中远",
    "华润",
    "东方",
    "金桥",
    "恒信",
    "海纳",
    "远景",
    "长城",
    "天成",
    "宏达",
    "瑞丰",
    "鼎盛",
    "万通",
    "中联",
    "华信",
    "国泰",
    "汇通",
    "博远",
    "昆仑",
    "九州",
    "星河",
    "云帆",
    "启明",
    "安达",
    "盛世",
    "正泰",
    "华安",
    "福临",
    "金鼎",
    "新锐",
    "联创",
    "永安",
    "银河",
    "光华",
    "大成",
    "同方",
    "泰和",
    "嘉禾",
    "中科",
    "四海",
]
INDUSTRIES = [
    "物流",
    "科技",
    "制造",
    "能源",
    "医药",
    "化工",
    "电子",
    "建设",
    "传媒",
    "食品",
    "汽车零部件",
    "电力设备",
    "纺织",
    "置业",
    "环保",
    "信息技术",
    "供应链",
    "航运",
    "农业",
    "新材料",
]
COMPANY_SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"]
PUBLIC_BODIES = [
    "人民医院",
    "第一人民医院",
    "中心医院",
    "公安局",
    "税务局",
    "教育局",
    "交通运输局",
    "自来水有限公司",
    "供电公司",
    "政务服务数据管理局",
    "社会保险事业管理中心",
    "住房公积金管理中心",
    "地铁集团有限公司",
    "城市投资建设集团",
    "大数据中心",
    "卫生健康委员会",
]

# Department names at the documented scale; larger organisations number them.
DEPARTMENT_NAMES_4 = ["银行一部", "银行二部", "企业客户部", "政企客户部"]
_DIGITS = "零一二三四五六七八九"

CATEGORIES = ["交付延迟", "服务态度", "产品质量", "账单争议", "技术支持", "响应慢"]
CATEGORY_WEIGHTS = [0.20, 0.12, 0.18, 0.14, 0.22, 0.14]
SEVERITIES = ["低", "中", "高"]
SEVERITY_WEIGHTS = [0.50, 0.38, 0.12]
CHANNELS = ["电话", "邮件", "微信", "网页"]
CHANNEL_WEIGHTS = [0.45, 0.18, 0.25, 0.12]
STATUS_CLOSED, STATUS_OPEN, STATUS_NEW = "已结案", "处理中", "待处理"

TRAINING_TOPICS = [
    "大客户销售方法",
    "需求分析与方案呈现",
    "商务谈判技巧",
    "产品知识更新",
    "客户关系管理",
    "合规与风险防范",
    "行业洞察：银行业",
    "行业洞察：制造与物流",
    "解决方案演示",
    "项目立项与竞争分析",
    "客户期望管理",
    "投诉处理与客户挽回",
]

# Contact kinds are codes (like activity kinds) so that the interface can translate them.
CONTACT_KINDS = ["visit", "call", "review", "message"]
CONTACT_WEIGHTS_KEY = [0.35, 0.35, 0.15, 0.15]
CONTACT_WEIGHTS_OTHER = [0.15, 0.55, 0.05, 0.25]

PRODUCTS = [
    "企业网银系统",
    "数据专线",
    "云服务器",
    "智能柜员机",
    "运维服务",
    "视频会议系统",
    "安全网关",
    "核心交换机",
    "存储阵列",
    "移动办公平台",
    "呼叫中心系统",
    "备份一体机",
    "打印管理服务",
    "终端电脑",
]
_CALLERS = ["", "", "", "客户来电：", "客户经理转述：", "王经理反映：", "李主任反映：", "财务部来电："]
_TEMPLATES = {
    "交付延迟": [
        "{p}合同约定{d}个工作日内交付，至今仍未到货，客户要求给出明确的到货时间。",
        "二期项目的{p}延期{d}天交付，影响客户原定的上线计划。",
        "客户反映{p}分批到货，仍缺少{n}台，安装无法按期进行。",
    ],
    "服务态度": [
        "客户反映客服人员电话中语气生硬，没有耐心解答关于{p}的问题。",
        "上门工程师迟到{n}小时且未提前告知，客户对服务态度不满。",
        "客户称多次沟通{p}事宜，对接人员互相推诿，要求更换对接人。",
    ],
    "产品质量": [
        "{p}上线后频繁出现故障，本月已发生{n}次，影响客户正常业务。",
        "新到货的{p}有{n}台开箱即损坏，客户要求整批检测。",
        "{p}升级后性能明显下降，客户要求回退并出具分析报告。",
    ],
    "账单争议": [
        "{m}月账单金额与合同价格不符，多收{a}元，客户要求核实并退还。",
        "客户反映{p}服务费重复计费，涉及金额{a}元。",
        "发票信息与账单不一致，客户无法入账，要求重新开具{m}月发票。",
    ],
    "技术支持": [
        "{p}接口报错，提交工单后{h}小时无人跟进。",
        "客户反映{p}配置问题远程支持无法解决，要求工程师到场。",
        "{p}与客户现有系统对接失败，技术支持未给出解决方案。",
    ],
    "响应慢": [
        "客户多次来电催办，{h}小时内未获任何回复。",
        "故障报修后{h}小时仍没有工程师联系客户。",
        "客户邮件咨询{p}续约事宜，{d}天未收到答复。",
    ],
}


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十 (enough for department names)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def people_names(rng: np.random.Generator, count: int) -> list[str]:
    """`count` Chinese personal names, distinct while the vocabulary allows it."""
    surname_p = 1.0 / np.sqrt(np.arange(1, len(SURNAMES) + 1))
    surname_p /= surname_p.sum()
    givens = GIVEN_ONE + GIVEN_TWO
    distinct = len(SURNAMES) * len(givens)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        batch = max(64, 2 * (count - len(names)))
        sur = rng.choice(len(SURNAMES), size=batch, p=surname_p)
        giv = rng.integers(0, len(givens), size=batch)
        for s, g in zip(sur, giv, strict=True):
            name = SURNAMES[s] + givens[g]
            if name in seen and len(seen) < distinct // 2:
                continue
            seen.add(name)
            names.append(name)
            if len(names) == count:
                break
    return names


def _distinct(rng: np.random.Generator, count: int, pool_size: int, render) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` names drawn from a combinatorial pool, without repeats while the pool allows."""
    if count <= pool_size // 2:
        picks = rng.choice(pool_size, size=count, replace=False)
    else:
        picks = rng.integers(0, pool_size, size=count)
    return [render(int(i)) for i in picks]


def bank_names(rng: np.random.Generator, count: int) -> list[str]:
    """Bank branches such as 华夏银行上海分行 or 中信银行杭州滨江支行."""
    nb, nc, nd = len(BANK_BRANDS), len(CITIES), len(DISTRICTS) + 1

    def render(i: int) -> str:
        b, rest = divmod(i, nc * nd)
        c, d = divmod(rest, nd)
        branch = "分行" if d == 0 else DISTRICTS[d - 1] + "支行"
        return BANK_BRANDS[b] + CITIES[c] + branch

    return _distinct(rng, count, nb * nc * nd, render)


def company_names(rng: np.random.Generator, count: int) -> list[str]:
    """Invented companies such as 中远物流有限公司 or 杭州恒信新材料股份有限公司."""
    nr, ni, ns, nc = len(COMPANY_ROOTS), len(INDUSTRIES), len(COMPANY_SUFFIXES), len(CITIES) + 1

    def render(i: int) -> str:
        r, rest = divmod(i, ni * ns * nc)
        k, rest = divmod(rest, ns * nc)
        s, c = divmod(rest, nc)
        city = "" if c == 0 else CITIES[c - 1]
        return city + COMPANY_ROOTS[r] + INDUSTRIES[k] + COMPANY_SUFFIXES[s]

    return _distinct(rng, count, nr * ni * ns * nc, render)


def public_body_names(rng: np.random.Generator, count: int) -> list[str]:
    """Public bodies such as 宁波市人民医院."""
    nb = len(PUBLIC_BODIES)

    def render(i: int) -> str:
        c, b = divmod(i, nb)
        return CITIES[c] + "市" + PUBLIC_BODIES[b]

    return _distinct(rng, count, len(CITIES) * nb, render)


def description_pool(rng: np.random.Generator, per_category: int = 300) -> dict[str, list[str]]:
    """Rendered complaint texts per category, to be sampled (cheap at any scale)."""
    pool: dict[str, list[str]] = {}
    for category, templates in _TEMPLATES.items():
        texts = []
        for _ in range(per_category):
            template = templates[int(rng.integers(len(templates)))]
            text = template.format(
                p=PRODUCTS[int(rng.integers(len(PRODUCTS)))],
                d=int(rng.integers(3, 31)),
                n=int(rng.integers(2, 9)),
                h=int(rng.choice([6, 8, 12, 24, 36, 48, 72])),
                m=int(rng.integers(1, 13)),
                a=int(rng.integers(3, 400)) * 100,
            )
            texts.append(_CALLERS[int(rng.integers(len(_CALLERS)))] + text)
        pool[category] = texts
    return pool
