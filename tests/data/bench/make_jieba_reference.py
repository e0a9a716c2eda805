#!/usr/bin/python3
"""Writes jieba_reference.json: texts and the words list(jieba.cut(text)) gives for them with
Debian's python3-jieba 0.42.1 (default mode: accurate, HMM on). The C++ test
(tests/bench/jieba_segmenter_test.cpp) must produce the same lists. Hand-picked sentences (names,
numbers, English, punctuation, words the dictionary lacks, full-width and rare characters), then
seeded random mixtures of dictionary words, unknown characters and ASCII. Rerun after changing:
    /usr/bin/python3 tests/data/bench/make_jieba_reference.py
"""
import json
import logging
import os
import random

import jieba

jieba.setLogLevel(logging.WARNING)

HAND_PICKED = [
    "",
    "我来到北京清华大学",
    "他来到了网易杭研大厦",
    "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "工信处女干事每月经过下属科室都要亲口交代24口交换机等技术性器件的安装工作",
    "永和服装饰品有限公司",
    "我爱北京天安门。",
    "她会没事的。",
    "她应该是好的。",
    "结婚的和尚未结婚的",
    "南京市长江大桥",
    "李小福是创新办主任也是云计算方面的专家; 什么是八一双鹿",
    "例如我输入一个带“韩玉赏鉴”的标题，在自定义词库中也增加了此词为N类",
    "「台中」正確應該不會被切開。mac上可分出「石墨烯」；此時又可以分出來凱特琳了。",
    "iPhone12 售价 5999 元，折扣 3.5%，C++ 和 C# 都是编程语言，AT&T 与 e-mail 地址 a_b@c.com",
    "2024年3月15日下午3点45分，温度为-2.5℃，湿度78%",
    "Ｆｕｌｌ－ｗｉｄｔｈ　字符：１２３ＡＢＣ，全角空格　之后",
    "The quick brown fox jumps over the lazy dog.",
    "翻译：这是一个测试。The translation is: 你好世界",
    "Hello\r\n世界\n\t你好  \u3000再见\r\r\n",
    "龘靐齉爩麤鱻，这些字很少见",
    "㐀㐁㐂䶵 扩展A区 鿖鿗鿿 U+9FD6 以上 豈更車",
    "𠀀𠀁𪚥 扩展B区的字",
    "😀表情符号🎉和中文混排👍",
    "张伟和王芳在上海浦东新区陆家嘴金融贸易区工作",
    "欧阳娜娜、诸葛亮、司马懿和上官婉儿",
    "他说：“我明天去图书馆借《红楼梦》和《百年孤独》。”",
    "据新华社报道，国家统计局今天发布数据显示，一季度国内生产总值同比增长5.3%。",
    "这个APP的UI设计得很好，用户体验UX也不错，Python3.10版本",
    "阿里巴巴集团控股有限公司的马云先生在杭州云栖大会上发表了主题演讲",
    "吃葡萄不吐葡萄皮，不吃葡萄倒吐葡萄皮",
    "研究生命起源",
    "乒乓球拍卖完了",
    "他骑自行车去学校，路上遇到了老同学",
    "微信公众号里的推文被转发了十万加次",
    "芃芃萋萋，蘅芜苑里的蘼芜和杜若",
    "...，，，！！？？",
    "a",
    "中",
    "中国",
    "１２３",
    "___---+++###&&&%%%...",
    "3.14159 和 2.71828 以及 1,000,000",
    "她应该好。\\nThe audio clip has been translated as follows: 她应该好。",
    "Express this English sentence in Mandarin: 她会没事的",
    "请将以下翻译：和哈哈",
]


def random_texts(count):
    rng = random.Random(20240915)
    words = []
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            words.append(line.split(" ")[0])
    rare = [chr(c) for c in range(0x4E00, 0x9FD6, 97)]  # mostly characters outside common words
    ascii_bits = ["abc", "X", "42", "3.5", "7%", "C++", "e-mail", "_", "#", "&", " ", "\t", "\r\n"]
    punctuation = list("，。、；：？！“”‘’（）《》—…·,.;:?!()[]{}<>/\\'\"@$^*=|~`")
    others = ["\u3000", "\u00a0", "ｘ", "５", "é", "ß", "Ω", "я", "\u0301", "🙂", "㐅", "鿰"]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            r = rng.random()
            if r < 0.45:
                parts.append(rng.choice(words))
            elif r < 0.7:
                parts.append("".join(rng.choice(rare) for _ in range(rng.randint(1, 4))))
            elif r < 0.82:
                parts.append(rng.choice(ascii_bits))
            elif r < 0.94:
                parts.append(rng.choice(punctuation))
            else:
                parts.append(rng.choice(others))
        texts.append("".join(parts))
    return texts


def main():
    texts = HAND_PICKED + random_texts(400)
    cases = [{"text": t, "words": list(jieba.cut(t))} for t in texts]
    for case in cases:
        assert "".join(case["words"]) == case["text"]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jieba_reference.json")
    with open(out, "w", encoding="utf-8") as f:
        # One case a line, so a diff shows which texts changed.
        f.write('{"jieba_version": %s, "cases": [\n' % json.dumps(jieba.__version__))
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]}\n")
    chars = sum(len(t) for t in texts)
    print(f"{out}: {len(cases)} texts, {chars} characters")


if __name__ == "__main__":
    main()
