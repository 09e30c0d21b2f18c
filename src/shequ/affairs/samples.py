"""A sample catalogue and made-up request texts in the words residents use, for the demo and the routing bench.

The texts are synthetic (no real hotline record is published): sentences assembled from an opening, a place,
one of several phrasings of the problem and a closing. Some phrasings of each service are kept for the test
side only (``held_out``), so that the routing bench measures how the classifier does on wording it never saw.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shequ.affairs.choices import DepartmentKind, SlaUnit


@dataclass(frozen=True)
class SampleService:
    code: str
    name: str
    category: str
    department: str  # a DepartmentKind
    sla_amount: int
    sla_unit: str
    keywords: str
    materials: str
    weight: int  # how common, relative to the others
    phrasings: tuple[str, ...]
    is_emergency: bool = False


SERVICES: tuple[SampleService, ...] = (
    SampleService("water-leak", "房屋漏水报修", "物业维修", DepartmentKind.PROPERTY, 3, SlaUnit.WORKING_DAYS,
                  "漏水 渗水 水管 下水道", "", 14, (
                      "厨房水管漏水", "卫生间天花板在渗水", "水管爆了水流了一地", "下水道堵住了反水",
                      "马桶堵了冲不下去", "楼上漏水把我家墙泡了", "水龙头关不紧一直滴水", "阳台落水管裂开了")),
    SampleService("lift", "电梯故障", "物业维修", DepartmentKind.PROPERTY, 1, SlaUnit.WORKING_DAYS,
                  "电梯", "", 8, (
                      "电梯坏了停在三楼不动", "电梯门关不上", "电梯运行的时候有很大的异响", "电梯按钮失灵了",
                      "电梯又停运了老人上不了楼", "电梯里的灯不亮", "电梯一直在抖", "电梯年检过期了")),
    SampleService("lighting", "公共照明", "物业维修", DepartmentKind.PROPERTY, 2, SlaUnit.WORKING_DAYS,
                  "路灯 楼道灯 照明", "", 7, (
                      "楼道灯不亮了晚上看不见", "小区路灯坏了好几盏", "感应灯一直亮着不灭", "地下车库的灯全黑了",
                      "门口那盏灯闪个不停", "楼梯间灯泡烧了", "花园里的路灯晚上不开", "声控灯没反应")),
    SampleService("noise", "噪声扰民", "治安", DepartmentKind.POLICE, 1, SlaUnit.WORKING_DAYS,
                  "噪音 扰民 吵", "", 9, (
                      "楼上半夜还在装修太吵了", "广场舞音响开得太响", "隔壁天天深夜唱歌", "邻居家的狗一直叫",
                      "楼下饭店排风机噪音很大", "工地晚上十二点还在施工", "有人在楼道里大声喧哗", "早上五点就在敲墙")),
    SampleService("parking", "车辆乱停", "治安", DepartmentKind.POLICE, 1, SlaUnit.WORKING_DAYS,
                  "停车 车辆 占道", "", 6, (
                      "有辆车堵在小区门口出不去", "汽车占了消防通道", "共享单车堆满了人行道", "外来车辆停在我的车位上",
                      "货车停在弄堂口挡路", "车子停在绿化带上", "有辆车好几个月没动过像僵尸车", "门口被电动车堵死了")),
    SampleService("fire-hazard", "消防隐患", "安全", DepartmentKind.COMMITTEE, 1, SlaUnit.WORKING_DAYS,
                  "消防 堆物 充电 隐患", "", 6, (
                      "楼道里堆满了杂物", "有人把电瓶车推进楼道充电", "楼上飞线给电动车充电", "楼道灭火器过期了",
                      "安全出口被木板封住了", "地下室堆了很多纸箱", "有人在楼道里烧东西", "消防栓的门打不开")),
    SampleService("garbage", "垃圾清运", "环境卫生", DepartmentKind.PROPERTY, 1, SlaUnit.WORKING_DAYS,
                  "垃圾 清运 卫生", "", 7, (
                      "垃圾箱满了没人收", "建筑垃圾堆在门口好几天", "垃圾房臭味很重", "有人乱扔垃圾不分类",
                      "大件家具扔在路边没人管", "绿化带里全是垃圾", "湿垃圾桶一直没清", "楼下有死老鼠")),
    SampleService("residence-permit", "居住证办理", "人口服务", DepartmentKind.SUBDISTRICT_OFFICE, 5,
                  SlaUnit.WORKING_DAYS, "居住证 来沪 登记", "身份证\n租房合同\n一寸照片", 5, (
                      "我想办居住证需要什么材料", "居住证快到期了怎么续签", "来上海打工要怎么登记居住",
                      "孩子上学要居住证积分", "租房合同可以办居住证吗", "居住证丢了怎么补办", "外地人办居住证去哪里",
                      "居住证签注怎么办")),
    SampleService("elder-care", "养老助餐服务", "为老服务", DepartmentKind.SUBDISTRICT_OFFICE, 5,
                  SlaUnit.WORKING_DAYS, "老人 助餐 养老", "身份证\n户口簿", 6, (
                      "我妈八十多岁了想申请老人助餐", "独居老人希望有人上门照顾", "长护险怎么申请",
                      "老人吃饭不方便能送餐吗", "想给爸爸申请居家养老服务", "社区食堂老人有没有补贴",
                      "老人行动不便需要助浴", "申请养老顾问上门")),
    SampleService("family-doctor", "家庭医生签约", "医疗卫生", DepartmentKind.HEALTH, 3, SlaUnit.WORKING_DAYS,
                  "医生 签约 看病 开药", "医保卡", 5, (
                      "想签约家庭医生", "高血压要每个月开药能上门吗", "社区医院体检怎么预约", "糖尿病随访什么时候做",
                      "能不能请医生上门看看我父亲", "打疫苗要预约吗", "慢性病长处方怎么开", "家庭医生电话打不通")),
    SampleService("assistance", "低保与困难救助", "社会救助", DepartmentKind.SUBDISTRICT_OFFICE, 10,
                  SlaUnit.WORKING_DAYS, "低保 救助 困难 补助", "身份证\n户口簿\n收入证明", 4, (
                      "家里生活困难想申请低保", "失业了有没有补助", "大病医疗救助怎么申请", "残疾人补贴去哪里办",
                      "临时救助需要什么条件", "孩子上学有困难能不能帮扶", "低保复核要带什么", "冬天取暖补贴怎么领")),
    SampleService("dispute", "邻里纠纷调解", "人民调解", DepartmentKind.COMMITTEE, 5, SlaUnit.WORKING_DAYS,
                  "纠纷 调解 邻居", "", 4, (
                      "和楼上邻居因为漏水吵起来了希望调解", "邻居占用公共走道不肯让", "楼下晒被子滴水说了不听",
                      "邻居装监控对着我家门", "和房东押金有纠纷", "两家为了车位吵架", "邻居家空调外机对着我窗户",
                      "隔壁养了很多鸽子很脏")),
    SampleService("gas-leak", "燃气泄漏", "应急", DepartmentKind.PROPERTY, 2, SlaUnit.HOURS,
                  "燃气 煤气 泄漏", "", 2, (
                      "楼道里有很浓的煤气味", "家里燃气泄漏了", "闻到天然气的味道很害怕", "燃气表那里嘶嘶响",
                      "隔壁好像煤气漏了没人开门", "厨房有煤气味", "煤气管道破了", "燃气灶关了还有味道"),
                  is_emergency=True),
)

OPENINGS = ("", "您好，", "喂，", "我要反映一下，", "麻烦你们，", "我是这里的居民，", "请问，", "你好我想说一下，")
PLACES = ("", "我家", "我们楼", "3号楼", "小区门口", "楼下", "隔壁", "12号楼一单元", "弄堂里")
CLOSINGS = ("", "请尽快处理。", "谢谢！", "希望有人来看看。", "已经好几天了。", "怎么办？", "麻烦了。", "急！")


def held_out(index: int) -> bool:
    """Every fourth phrasing of a service is never used for training."""
    return index % 4 == 3


@dataclass(frozen=True)
class Sample:
    text: str
    code: str
    unseen: bool  # phrased in a way training never saw


def generate(count: int, *, seed: int, training: bool) -> list[Sample]:
    """``count`` request texts with their service code, in the services' relative frequencies."""
    rng = random.Random(seed)
    weights = [service.weight for service in SERVICES]
    made = []
    for _ in range(count):
        service = rng.choices(SERVICES, weights=weights)[0]
        choices = [(i, p) for i, p in enumerate(service.phrasings) if not (training and held_out(i))]
        index, phrasing = rng.choice(choices)
        text = f"{rng.choice(OPENINGS)}{rng.choice(PLACES)}{phrasing}，{rng.choice(CLOSINGS)}".rstrip("，")
        made.append(Sample(text, service.code, held_out(index)))
    return made
