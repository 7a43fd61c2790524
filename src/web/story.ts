import type { Lang } from "../i18n";

// The programme's story in the words of the 2014 report (浙江在线, 25 March 2014), written in
// simplified Chinese, with an English translation.

export const story: Record<Lang, { title: string; paragraphs: string[] }> = {
  zh: {
    title: "常山：社区“爱心储蓄银行”探索服务群众新模式",
    paragraphs: [
      "群众路线教育实践活动中，常山县以“党员进社区”为契机，设立社区“爱心储蓄银行”，建立健全党员干部志愿关爱服务机制，引导全县党员干部带着爱心走进社区、服务群众，推进党员群众关系的亲密融合。",
      "“献爱心”对接“微心愿”，建立爱心联动机制。由社区建立微心愿服务站，面向社区困难居民、留守儿童、农民工子女等群体，广泛收集“微心愿”。党员干部结合自身实际和能力，积极开展捐赠物品、参与志愿服务等“献爱心”活动，认领“微心愿”。常山村镇银行等企业也纷纷出资，建立“爱心储蓄基金”，用于社区助残、扶贫、帮困等爱心救助服务。目前，全县共征集微心愿1500多个，党员干部认领完成微心愿425个，筹集“爱心储蓄基金”善款5万余元，出动志愿者服务队180余次，参与人数2020余人。",
      "“存积分”兑换“服务券”，建立关爱回馈机制。党员干部参加社区关爱服务后，社区“爱心储蓄银行”——常山村镇银行会为其办理一本“爱心存折”，里面存储的是由捐赠物品和志愿服务所折算成的一个个“爱心”积分。现已办理党员干部“爱心存折”1336本。当“爱心积分”积累到一定数值后，党员干部可以凭积分到“爱心储蓄银行”兑换“公益理发券”、“家政服务券”、“免费停车券”等消费服务券，实行“以服务换服务”的爱心回馈机制，形成党员干部服务社会无限良性循环的环境。",
      "“评星级”激发“辐射力”，建立服务长效机制。建立星级会员制度，“爱心储蓄银行”依据每位党员的累计爱心分值，划分为一至五个星级，每个星级对应相应的爱心积分值，达到三星级以上的社区党员干部给予社区荣誉称号；建立优秀义工奖励制度，每年定期评选出一批爱心积分高、服务表现好的社区党员义工，进行表彰和奖励；建立爱心信息公开制度，定期公布党员干部服务信息和物资捐赠接收、使用情况，同时借助新闻媒体、官方微博、QQ群等多种渠道，大力提升“爱心储蓄银行”品牌的辐射力与影响力，引领更多的党员干部参与到“爱心储蓄银行”活动中来。",
    ],
  },
  en: {
    title: "Changshan: a community “Love Savings Bank” tries a new way of serving the people",
    paragraphs: [
      "During the campaign of education in the mass line, Changshan County took “party members into the communities” as the occasion to set up community “Love Savings Banks”, building a lasting way for party members and cadres to volunteer and care for others, leading the county's party members and cadres to bring their love into the communities and serve the people, and drawing party members and residents closer together.",
      "“Giving love” meets “micro-wishes”: a mechanism that links the two. Each community set up a micro-wish station that collects “micro-wishes” from residents in hardship, left-behind children, the children of migrant workers and other groups. Party members and cadres, each as their means and abilities allow, donate goods or volunteer their service to “give love” and claim the wishes. Companies such as Changshan Rural Bank also contributed, founding a “Love Savings Fund” for disability aid, poverty relief and hardship aid in the communities. So far the county has collected more than 1,500 micro-wishes, party members and cadres have claimed and fulfilled 425 of them, the Love Savings Fund has raised more than 50,000 yuan, and volunteer teams have gone out more than 180 times with more than 2,020 participants.",
      "“Saving points” for “service vouchers”: a mechanism that gives back. After taking part in community care, party members and cadres are given a “love passbook” by the community Love Savings Bank — Changshan Rural Bank — in which the goods they donated and the service they gave are stored as “love” points. 1,336 passbooks have been opened so far. Once their points reach a certain amount, party members and cadres can redeem them at the Love Savings Bank for vouchers such as a “free haircut”, “housekeeping service” or “free parking”: “service for service”, a virtuous circle in which those who serve society are served in turn.",
      "“Star ratings” spread the influence: a mechanism that lasts. A star membership divides party members into one to five stars by their cumulative love points, each star matching a number of points, and members of three stars and above receive a community honorary title. Each year the members with the most points and the best service are honoured as outstanding volunteers. And the bank publishes its information regularly — who served, what goods were donated and received, and how they were used — through the news media, official microblogs, QQ groups and other channels, so that the Love Savings Bank reaches further and more party members and cadres join in.",
    ],
  },
};
