"""The words of a simulated district: agencies, streets, people, businesses, violations.

Plain data, so the simulated records read like the district's own (Binhai New Area's bureaus,
streets and towns; the fields of law and what is typically found in each).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.oversight.values import TicketCategory
from domain.values import EnforcementDomain as D


@dataclass(frozen=True)
class AgencyKind:
    name: str
    short: str
    """What the agency's case numbers start with (津滨市监罚〔2023〕0001号)."""
    domains: tuple[D, ...]
    weight: int
    """Relative size: officers and acts are shared out by it."""


BUREAUS = (
    AgencyKind("滨海新区市场监督管理局", "津滨市监", (D.MARKET,), 14),
    AgencyKind("滨海新区城市管理委员会", "津滨城管", (D.URBAN, D.HOUSING), 12),
    AgencyKind("滨海新区生态环境局", "津滨环", (D.ECOLOGY,), 7),
    AgencyKind("滨海新区交通运输局", "津滨交", (D.TRANSPORT,), 6),
    AgencyKind("滨海新区应急管理局", "津滨应急", (D.EMERGENCY,), 5),
    AgencyKind("滨海新区卫生健康委员会", "津滨卫", (D.HEALTH,), 5),
    AgencyKind("滨海新区消防救援支队", "津滨消", (D.FIRE,), 4),
    AgencyKind("滨海新区农业农村委员会", "津滨农", (D.AGRICULTURE,), 3),
    AgencyKind("滨海新区住房和建设委员会", "津滨建", (D.HOUSING,), 3),
    AgencyKind("滨海新区规划和自然资源局", "津滨规资", (D.PLANNING,), 3),
    AgencyKind("滨海新区人力资源和社会保障局", "津滨人社", (D.LABOUR,), 3),
    AgencyKind("滨海新区文化和旅游局", "津滨文旅", (D.CULTURE_TOURISM,), 3),
    AgencyKind("国家税务总局天津市滨海新区税务局", "津滨税", (D.TAX,), 3),
    AgencyKind("滨海新区水务局", "津滨水", (D.WATER,), 2),
    AgencyKind("滨海新区教育体育局", "津滨教", (D.EDUCATION,), 2),
    AgencyKind("滨海新区医疗保障局", "津滨医保", (D.HEALTH,), 2),
    AgencyKind("滨海新区民政局", "津滨民", (D.OTHER,), 1),
    AgencyKind("滨海新区商务局", "津滨商", (D.MARKET,), 1),
    AgencyKind("滨海新区统计局", "津滨统", (D.OTHER,), 1),
    AgencyKind("滨海新区人民防空办公室", "津滨人防", (D.OTHER,), 1),
    AgencyKind("滨海新区气象局", "津滨气", (D.OTHER,), 1),
    AgencyKind("滨海新区退役军人事务局", "津滨退役", (D.OTHER,), 1),
)
ZONES = (
    AgencyKind("天津经济技术开发区管理委员会", "津开", (D.MARKET, D.URBAN, D.ECOLOGY), 4),
    AgencyKind("天津港保税区管理委员会", "津保", (D.MARKET, D.URBAN, D.TRANSPORT), 3),
    AgencyKind("中新天津生态城管理委员会", "津生态城", (D.URBAN, D.ECOLOGY, D.HOUSING), 3),
    AgencyKind("天津滨海高新技术产业开发区管理委员会", "津高新", (D.MARKET, D.URBAN), 3),
    AgencyKind("天津东疆综合保税区管理委员会", "津东疆", (D.MARKET, D.TRANSPORT), 2),
    AgencyKind("滨海新区中心商务区管理委员会", "津滨商务区", (D.URBAN, D.MARKET), 2),
)
STREETS = (
    "新港街道",
    "新村街道",
    "新北街道",
    "新河街道",
    "杭州道街道",
    "向阳街道",
    "解放路街道",
    "大沽街道",
    "北塘街道",
    "胡家园街道",
    "汉沽街道",
    "寨上街道",
    "茶淀街道",
    "古林街道",
    "海滨街道",
    "泰达街道",
    "新城镇",
    "杨家泊镇",
    "太平镇",
    "小王庄镇",
    "中塘镇",
)
TOWNSHIP_DOMAINS = (D.URBAN, D.HOUSING, D.PLANNING)


def place(street: str) -> str:
    """新港街道 -> 新港, 新城镇 -> 新城."""
    return street.removesuffix("街道").removesuffix("镇")


def agency_kinds(count: int) -> list[AgencyKind]:
    """``count`` agencies: the bureaus first, then the zones, the streets' enforcement teams,
    and (for a very large district) the markets' supervision offices."""
    streets = [
        AgencyKind(f"滨海新区{s}综合执法大队", f"津滨{s[:2]}综执", TOWNSHIP_DOMAINS, 2)
        for s in STREETS
    ]
    offices = [
        AgencyKind(
            f"滨海新区市场监督管理局{place(s)}市场监管所", f"津滨{s[:2]}市监所", (D.MARKET,), 1
        )
        for s in STREETS
    ]
    kinds = [*BUREAUS, *ZONES, *streets, *offices]
    extra = [
        AgencyKind(f"滨海新区第{n}综合行政执法队", f"津滨综执{n}", (D.URBAN,), 1)
        for n in range(1, count - len(kinds) + 1)
    ]
    return [*kinds, *extra][:count]


DOMAIN_LABELS = {
    D.MARKET: "市场监管",
    D.ECOLOGY: "生态环境",
    D.URBAN: "城市管理",
    D.TRANSPORT: "交通运输",
    D.CULTURE_TOURISM: "文化旅游",
    D.EMERGENCY: "应急管理",
    D.AGRICULTURE: "农业农村",
    D.HEALTH: "卫生健康",
    D.HOUSING: "住房建设",
    D.PLANNING: "规划资源",
    D.WATER: "水务",
    D.LABOUR: "人力社保",
    D.EDUCATION: "教育",
    D.FIRE: "消防",
    D.TAX: "税务",
    D.OTHER: "综合",
}

LAWS = {
    D.MARKET: "《中华人民共和国产品质量法》",
    D.ECOLOGY: "《中华人民共和国大气污染防治法》",
    D.URBAN: "《天津市市容和环境卫生管理条例》",
    D.TRANSPORT: "《中华人民共和国道路运输条例》",
    D.CULTURE_TOURISM: "《娱乐场所管理条例》",
    D.EMERGENCY: "《中华人民共和国安全生产法》",
    D.AGRICULTURE: "《农药管理条例》",
    D.HEALTH: "《公共场所卫生管理条例》",
    D.HOUSING: "《建设工程质量管理条例》",
    D.PLANNING: "《中华人民共和国土地管理法》",
    D.WATER: "《城镇排水与污水处理条例》",
    D.LABOUR: "《劳动保障监察条例》",
    D.EDUCATION: "《中华人民共和国民办教育促进法》",
    D.FIRE: "《中华人民共和国消防法》",
    D.TAX: "《中华人民共和国税收征收管理法》",
    D.OTHER: "《中华人民共和国行政处罚法》",
}

ITEMS = {
    D.MARKET: ("产品质量监督检查", "食品经营许可及经营行为检查", "价格行为检查"),
    D.ECOLOGY: ("排污许可执行情况检查", "大气污染防治设施运行检查", "危险废物规范化管理检查"),
    D.URBAN: ("市容环境秩序检查", "户外广告设施检查", "建筑垃圾运输处置检查"),
    D.TRANSPORT: ("道路运输经营资质检查", "危险货物运输检查", "机动车维修经营检查"),
    D.CULTURE_TOURISM: ("娱乐场所经营检查", "旅行社经营行为检查", "网吧经营检查"),
    D.EMERGENCY: ("安全生产主体责任检查", "危险化学品经营检查", "有限空间作业检查"),
    D.AGRICULTURE: ("农药经营检查", "兽药经营检查", "种子质量检查"),
    D.HEALTH: ("公共场所卫生检查", "生活饮用水卫生检查", "医疗机构执业检查"),
    D.HOUSING: ("建设工程质量安全检查", "房地产经纪机构检查", "物业服务检查"),
    D.PLANNING: ("土地利用情况检查", "规划许可执行检查", "矿产资源开采检查"),
    D.WATER: ("排水许可检查", "河道管理范围检查", "取水许可检查"),
    D.LABOUR: ("劳动合同签订检查", "工资支付情况检查", "人力资源市场检查"),
    D.EDUCATION: ("校外培训机构检查", "民办学校办学行为检查", "体育经营场所检查"),
    D.FIRE: ("消防安全重点单位检查", "人员密集场所消防检查", "消防设施维护检查"),
    D.TAX: ("发票使用管理检查", "纳税申报情况检查", "税务登记检查"),
    D.OTHER: ("综合行政执法检查", "行政许可事项检查", "信息公示情况检查"),
}

VIOLATIONS = {
    D.MARKET: ("销售不合格产品", "经营超过保质期的食品", "未明码标价", "虚假宣传"),
    D.ECOLOGY: ("超标排放大气污染物", "未按规定贮存危险废物", "未批先建", "污染防治设施未正常运行"),
    D.URBAN: ("违规设置户外广告", "占道经营", "擅自倾倒建筑垃圾", "违法建设"),
    D.TRANSPORT: ("未取得道路运输经营许可", "货车超限运输", "未按规定维护车辆"),
    D.CULTURE_TOURISM: ("娱乐场所超时营业", "网吧接纳未成年人", "旅行社未签订旅游合同"),
    D.EMERGENCY: (
        "未按规定开展安全生产教育培训",
        "未如实记录安全隐患排查治理",
        "特种作业人员无证上岗",
    ),
    D.AGRICULTURE: ("经营假农药", "未建立农药经营台账", "销售未经审定的种子"),
    D.HEALTH: ("公共场所未取得卫生许可证", "从业人员未取得健康证明", "医疗废物处置不规范"),
    D.HOUSING: ("未取得施工许可证擅自施工", "未按规定进行工程质量检测", "物业服务不规范"),
    D.PLANNING: ("非法占用土地", "未按规划许可建设", "擅自改变土地用途"),
    D.WATER: ("未取得排水许可排放污水", "在河道管理范围内违法建设", "未经许可取水"),
    D.LABOUR: ("未依法签订劳动合同", "拖欠劳动者工资", "违法使用童工"),
    D.EDUCATION: ("无证开展校外培训", "超范围办学", "违规收取培训费"),
    D.FIRE: ("消防设施未保持完好有效", "占用堵塞消防通道", "未按规定组织防火检查"),
    D.TAX: ("未按规定开具发票", "逾期未申报纳税", "未按规定办理税务登记变更"),
    D.OTHER: ("未按规定公示信息", "未按规定报送材料", "违反行政许可条件"),
}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志斌海波宇浩凯婷雪琳"
    "晨阳欣怡子涵博文佳慧俊峰亮"
)

FIRM_PLACES = (
    "滨海",
    "津港",
    "泰达",
    "海河",
    "渤海",
    "塘沽",
    "汉沽",
    "大港",
    "临港",
    "北塘",
    "东疆",
    "新港",
)
FIRM_WORDS = (
    "鑫源",
    "恒泰",
    "华盛",
    "永利",
    "宏达",
    "瑞丰",
    "兴业",
    "德信",
    "中禾",
    "远航",
    "金桥",
    "博源",
)
FIRM_TRADES = (
    "贸易",
    "物流",
    "餐饮管理",
    "化工",
    "建材",
    "机械制造",
    "食品",
    "电子科技",
    "装饰工程",
    "汽车维修",
    "医药",
    "教育咨询",
    "酒店管理",
    "钢材",
    "石油化工",
    "农业科技",
)
ROADS = (
    "新港路",
    "塘沽大道",
    "第二大街",
    "黄海路",
    "海河路",
    "津塘路",
    "中央大道",
    "东海路",
    "洞庭路",
)

PARTNER_FIRMS = ("唐山", "沧州", "廊坊")

TICKET_TOPICS = {
    TicketCategory.EDUCATION_TRAINING: "校外培训机构退费难、无证办学",
    TicketCategory.LABOUR_PROTECTION: "企业拖欠工资、未签劳动合同",
    TicketCategory.CATERING_FUMES: "餐饮油烟扰民",
    TicketCategory.NOISE: "夜间施工噪声扰民",
    TicketCategory.MARKET_ORDER: "商家价格欺诈、消费维权",
    TicketCategory.FOOD_SAFETY: "餐馆食品卫生问题",
    TicketCategory.ILLEGAL_BUILDING: "小区内私搭乱建",
    TicketCategory.CONSTRUCTION: "工地扬尘、渣土车遗撒",
    TicketCategory.ENVIRONMENT: "企业夜间偷排废气",
    TicketCategory.TRANSPORT: "出租车拒载、非法营运",
    TicketCategory.OTHER: "其他执法类投诉",
}
TICKET_WEIGHTS = {
    TicketCategory.EDUCATION_TRAINING: 16,
    TicketCategory.LABOUR_PROTECTION: 16,
    TicketCategory.CATERING_FUMES: 14,
    TicketCategory.NOISE: 10,
    TicketCategory.MARKET_ORDER: 12,
    TicketCategory.FOOD_SAFETY: 8,
    TicketCategory.ILLEGAL_BUILDING: 7,
    TicketCategory.CONSTRUCTION: 6,
    TicketCategory.ENVIRONMENT: 5,
    TicketCategory.TRANSPORT: 4,
    TicketCategory.OTHER: 2,
}
TICKET_DOMAINS = {
    TicketCategory.EDUCATION_TRAINING: D.EDUCATION,
    TicketCategory.LABOUR_PROTECTION: D.LABOUR,
    TicketCategory.CATERING_FUMES: D.ECOLOGY,
    TicketCategory.NOISE: D.URBAN,
    TicketCategory.MARKET_ORDER: D.MARKET,
    TicketCategory.FOOD_SAFETY: D.MARKET,
    TicketCategory.ILLEGAL_BUILDING: D.URBAN,
    TicketCategory.CONSTRUCTION: D.HOUSING,
    TicketCategory.ENVIRONMENT: D.ECOLOGY,
    TicketCategory.TRANSPORT: D.TRANSPORT,
    TicketCategory.OTHER: D.OTHER,
}

MEETING_TOPICS = (
    "重点工程施工扰民问题协调",
    "拆除违法建设联合执法",
    "查处土地违法案件会商",
    "占道经营综合整治",
    "餐饮油烟污染专项治理",
    "老旧小区私搭乱建整治",
    "渣土运输扬尘治理",
)
