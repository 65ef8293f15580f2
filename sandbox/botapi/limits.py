"""What Telegram allows, and how it says no: the Bot API's limits, the exact wording of its
refusals, and ``ApiError`` (an ok=false answer with Telegram's status, description and parameters).
"""

from __future__ import annotations

MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA, MAX_ANSWER_TEXT = 4096, 1024, 64, 200
CALLBACK_TTL = 15.0
DELETE_WINDOW = 48 * 3600
MAX_DOWNLOAD, MAX_UPLOAD, MAX_PHOTO = 20 * 2**20, 50 * 2**20, 10 * 2**20
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
TOPIC_ICONS = (("📰", "5434144690511290129"), ("💡", "5312536423851630001"),
               ("⚡️", "5312016608254762256"), ("📝", "5373251851074415873"),
               ("📆", "5433614043006903194"), ("📁", "5357315181649076022"),
               ("🔎", "5309965701241379366"), ("📣", "5309984423003823246"),
               ("🔥", "5312241539987020022"), ("❓", "5377316857231450742"),
               ("✅", "5237699328843200968"), ("❗️", "5379748062124056162"),
               ("⭐️", "5235579393115438657"), ("🗣", "5417915203100613993"),
               ("⛔️", "5420216386448270341"), ("➡️", "5418085807791545980"))
"""The custom emoji a forum topic may take as its icon (a subset of Telegram's set), as
getForumTopicIconStickers lists them: (emoji, custom_emoji_id)."""
CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
DEFAULT_UPDATES = frozenset(
    "message edited_message channel_post edited_channel_post inline_query chosen_inline_result "
    "callback_query shipping_query pre_checkout_query poll poll_answer my_chat_member "
    "chat_join_request chat_boost removed_chat_boost".split()
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
MEDIA_KINDS = ("photo", "document", "video", "voice", "audio", "video_note", "animation", "sticker")
_FILE_DIRS = {"photo": ("photos", "jpg"), "document": ("documents", "bin"),
              "video": ("videos", "mp4"), "voice": ("voice", "oga"), "audio": ("music", "mp3"),
              "video_note": ("video_notes", "mp4"), "animation": ("animations", "mp4"),
              "sticker": ("stickers", "webp")}
_DEFAULT_MIME = {"video": "video/mp4", "voice": "audio/ogg", "audio": "audio/mpeg",
                 "animation": "video/mp4", "document": "application/octet-stream"}


class ApiError(Exception):
    """An ok=false answer: HTTP status, Telegram description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(desc: str) -> ApiError:
    return ApiError(400, "Bad Request: " + desc)


def forbidden(desc: str) -> ApiError:
    return ApiError(403, "Forbidden: " + desc)


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after})
