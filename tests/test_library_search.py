"""Found by meaning and by words, with filters; "more like this"; and the near-copy warning an
upload gets before it is published (same bytes, or the same words with small changes)."""

import jieba

from tests.library_support import docx, publish, upload

# A labelled handful: each paraphrase shares no word with the title it must find first.
TITLES = ["《草船借箭》第二课时教案", "一元一次方程的解法", "光合作用实验探究", "英语过去时态语法复习", "篮球运球基本功训练",
          "古诗《静夜思》朗读指导", "分数乘法的意义", "作文开头的写法指导", "电路串联与并联", "小学生课堂纪律管理经验"]
PARAPHRASES = {"如何求解含有一个未知数的等式": 1, "植物靠阳光制造养分的观察活动": 2, "带领孩子念李白思乡的诗": 5,
               "运动课上练习拍球": 4, "怎样让孩子们在教室里守规矩": 9}
LESSON = ["《秋天的雨》教学设计", "一、教学目标：正确流利地朗读课文，感受秋天的美丽和丰收的喜悦。",
          "二、教学重点：品读描写秋天色彩的句子，积累好词佳句，体会比喻和拟人的表达效果。",
          "三、教学过程：谈话导入，出示秋景图片；初读课文，认读生字；精读第二自然段，想象画面；小组合作，仿写句子。",
          "四、作业：用几句话写一写你眼中的秋天，下节课交流分享。"]


def _words(text: str) -> set[str]:
    return {word for word in jieba.lcut(text) if word.strip("《》，、") and len(word) > 1}


async def test_a_paraphrase_that_shares_no_word_finds_its_resource_first(api, login):
    author, reader = await login("t0002"), await login("t0021")
    ids = []
    for title in TITLES:
        created = await api.post("/api/v1/library/resources", headers=author, json={
            "kind": "lesson_plan", "title": title, "link": "https://example.org/plan"})
        ids.append(created.json()["id"])
    for query, expected in PARAPHRASES.items():
        assert not _words(query) & _words(TITLES[expected]), (query, TITLES[expected])
        found = (await api.get("/api/v1/library/resources", params={"q": query}, headers=reader)).json()["items"]
        assert found and found[0]["id"] == ids[expected], (query, [item["title"] for item in found])
    by_words = (await api.get("/api/v1/library/resources", params={"q": "静夜思"}, headers=reader)).json()["items"]
    assert by_words[0]["id"] == ids[5]
    filtered = await api.get("/api/v1/library/resources", params={"q": "静夜思", "kind": "courseware"}, headers=reader)
    assert filtered.json()["total"] == 0
    like = (await api.get(f"/api/v1/library/resources/{ids[6]}/similar", headers=reader)).json()
    assert ids[6] not in [item["id"] for item in like]


async def test_an_edited_copy_is_shown_before_publishing_and_an_unrelated_plan_is_not(api, login):
    first, second = await login("t0002"), await login("t0021")
    original = await publish(api, first, docx(*LESSON), title="秋天的雨", subject="语文")
    edited = docx(*LESSON[:3], "三、教学过程：图片导入；自由读课文，认读生字；精读第二自然段，想象画面；同桌合作，仿写句子。",
                  "四、作业：写几句话描绘你眼中的秋天。")
    copied = (await upload(api, second, edited)).json()["similar"]
    assert [(s["resource_id"], s["reason"]) for s in copied] == [(original["id"], "similar_text")]
    assert copied[0]["similarity"] >= 0.5
    unrelated = docx("《小蝌蚪找妈妈》教学设计", "一、教学目标：认识本课生字，分角色朗读课文，了解青蛙的生长过程。",
                     "二、教学过程：猜谜导入；观看动画；按顺序排列图片，讲述小蝌蚪变成青蛙的经过；表演读。")
    assert (await upload(api, second, unrelated)).json()["similar"] == []
    same = (await upload(api, second, docx(*LESSON))).json()["similar"]
    assert [(s["resource_id"], s["reason"]) for s in same] == [(original["id"], "same_bytes")]
