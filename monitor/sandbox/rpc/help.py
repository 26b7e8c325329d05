"""help.* handlers: the config that points every DC at the sandbox (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from telethon.tl import functions, types

from monitor.sandbox.rpc.call import Call, Handler


def get_config(call: Call, request: Any) -> types.Config:
    now = datetime.now(UTC)
    host, port = call.dc_address
    options = [types.DcOption(id=dc, ip_address=host, port=port) for dc in range(1, 6)]
    return types.Config(
        date=now,
        expires=now + timedelta(hours=1),
        test_mode=False,
        this_dc=call.dc_id,
        dc_options=options,
        dc_txt_domain_name="sandbox.invalid",
        chat_size_max=200,
        megagroup_size_max=200_000,
        forwarded_count_max=100,
        online_update_period_ms=210_000,
        offline_blur_timeout_ms=5_000,
        offline_idle_timeout_ms=30_000,
        online_cloud_timeout_ms=300_000,
        notify_cloud_delay_ms=30_000,
        notify_default_delay_ms=1_500,
        push_chat_period_ms=60_000,
        push_chat_limit=2,
        edit_time_limit=172_800,
        revoke_time_limit=2_147_483_647,
        revoke_pm_time_limit=2_147_483_647,
        rating_e_decay=2_419_200,
        stickers_recent_limit=200,
        channels_read_media_period=604_800,
        call_receive_timeout_ms=20_000,
        call_ring_timeout_ms=90_000,
        call_connect_timeout_ms=30_000,
        call_packet_timeout_ms=10_000,
        me_url_prefix="https://t.me/",
        caption_length_max=1024,
        message_length_max=4096,
        webfile_dc_id=call.dc_id,
    )


def get_nearest_dc(call: Call, request: Any) -> types.NearestDc:
    return types.NearestDc(country="ZZ", this_dc=call.dc_id, nearest_dc=call.dc_id)


HANDLERS: dict[type, Handler] = {
    functions.help.GetConfigRequest: get_config,
    functions.help.GetNearestDcRequest: get_nearest_dc,
}
