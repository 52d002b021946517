// A small hand-written labelled sample used to compare detector libraries (test/backend-surge/lang.test.ts and
// bench/backend.bench.ts). Short, social-post-like sentences, in the eight languages the surge scenarios use.
export interface LabelledText {
  lang: string;
  text: string;
}

export const LABELLED_SAMPLE: LabelledText[] = [
  { lang: 'en', text: 'Hi everyone, TikTok refugee here from a small farm in Iowa, please be patient with me' },
  { lang: 'en', text: 'Here is my cat tax, his name is Biscuit and he hates the snow' },
  { lang: 'en', text: 'What did you all eat for breakfast today? I had eggs and toast' },
  { lang: 'en', text: 'Can someone explain how the search works on this app?' },
  { lang: 'en', text: 'Dear Li Hua, thank you for your letter, I would love to be your pen pal' },
  { lang: 'en', text: 'Just learned how to make steamed egg custard and it was amazing' },
  { lang: 'zh', text: '欢迎来到小红书！这是我家的猫，它叫馒头' },
  { lang: 'zh', text: '你们早餐吃什么？我今天吃了包子和豆浆' },
  { lang: 'zh', text: '有没有人可以帮我检查一下英语作文，谢谢大家' },
  { lang: 'zh', text: '最近首页全是英文帖子，有点不习惯' },
  { lang: 'zh', text: '今天天气很好，我们去公园散步了' },
  { lang: 'zh', text: '外国朋友们好，请多多关照' },
  { lang: 'es', text: 'Hola a todos, acabo de llegar y no entiendo nada de esta aplicación' },
  { lang: 'es', text: 'Mi gato se llama Pancho y le encanta dormir al sol' },
  { lang: 'es', text: '¿Qué comen ustedes en el desayuno? Yo tomo café con pan' },
  { lang: 'es', text: 'Estoy aprendiendo chino y es muy difícil pero divertido' },
  { lang: 'pt', text: 'Olá pessoal, sou do Brasil e estou aprendendo a usar o aplicativo' },
  { lang: 'pt', text: 'Minha cachorra adora brincar no quintal depois da chuva' },
  { lang: 'pt', text: 'Vocês sabem onde posso encontrar receitas de macarrão?' },
  { lang: 'pt', text: 'Hoje fiz pão de queijo pela primeira vez e ficou ótimo' },
  { lang: 'fr', text: 'Bonjour à tous, je viens de France et je découvre cette application' },
  { lang: 'fr', text: 'Voici mon chat, il dort toute la journée sur le canapé' },
  { lang: 'fr', text: "Qu'est-ce que vous mangez au petit déjeuner chez vous ?" },
  { lang: 'fr', text: "J'apprends le chinois depuis une semaine, c'est difficile" },
  { lang: 'de', text: 'Hallo zusammen, ich komme aus Deutschland und bin neu hier' },
  { lang: 'de', text: 'Meine Katze schläft den ganzen Tag auf dem Sofa' },
  { lang: 'de', text: 'Was esst ihr normalerweise zum Frühstück? Ich esse Brot mit Käse' },
  { lang: 'de', text: 'Ich lerne gerade Chinesisch, aber die Schriftzeichen sind schwer' },
  { lang: 'ja', text: 'みなさんこんにちは、日本から来ました。よろしくお願いします' },
  { lang: 'ja', text: 'うちの猫はいつもソファで寝ています' },
  { lang: 'ja', text: '今日の朝ごはんはご飯と味噌汁でした' },
  { lang: 'ja', text: '中国語を勉強していますが、とても難しいです' },
  { lang: 'ko', text: '안녕하세요, 한국에서 왔어요. 잘 부탁드립니다' },
  { lang: 'ko', text: '우리 고양이는 하루 종일 소파에서 자요' },
  { lang: 'ko', text: '오늘 아침에는 김치찌개를 먹었어요' },
  { lang: 'ko', text: '중국어를 배우고 있는데 정말 어려워요' },
];
