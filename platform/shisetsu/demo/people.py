"""Synthetic people for the demo: generated names, fictitious addresses, unassigned numbers.

Nothing here is real personal data: names are drawn from common name parts, addresses are
marked 架空 (fictitious), phone numbers use the unassigned 0000 exchange and mail goes to
example.jp.
"""

from __future__ import annotations

from dataclasses import dataclass

FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
GIVEN = ("花子", "太郎", "陽菜", "蓮", "美咲", "大翔", "結衣", "悠真", "さくら", "健一")
TOWNS = ("西新宿", "高田馬場", "大久保", "四谷", "神楽坂", "早稲田", "落合", "戸山")
GROUP_KINDS = ("合唱の会", "卓球クラブ", "体操サークル", "囲碁の会", "手話サークル", "絵手紙の会")


@dataclass(frozen=True)
class DemoPerson:
    """One synthetic resident and the group they represent."""

    login: str
    name: str
    address: str
    phone: str
    email: str
    group_name: str


def person(number: int) -> DemoPerson:
    """The ``number``-th demo resident (1-based); the same number always gives the same one."""
    i = number - 1
    name = f"{FAMILY[i % len(FAMILY)]} {GIVEN[(i * 3 + 1) % len(GIVEN)]}"
    town = TOWNS[i % len(TOWNS)]
    return DemoPerson(
        login=f"demo{number:02d}",
        name=name,
        address=f"東京都新宿区{town}9丁目{number}番（架空）",
        phone=f"03-0000-{number:04d}",
        email=f"demo{number:02d}@example.jp",
        group_name=f"{town}{GROUP_KINDS[i % len(GROUP_KINDS)]}（デモ{number:02d}）",
    )
