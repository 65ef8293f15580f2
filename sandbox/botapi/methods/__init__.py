"""The Bot API methods the stand-in serves, one mixin per family. Each method is
``_api_<method>(params, files)``: the server finds it by name, case-insensitively, as Telegram does.

    checks    what every call is checked for (chat, topic, text, keyboard, reply, flood limits)
    updates   getMe, getUpdates, webhooks
    profile   commands and descriptions
    messages  send*, copyMessage, forwardMessage, sendChatAction
    edits     edit*, delete*, answerCallbackQuery
    files     the file store, uploads, getFile
    topics    forum topics
    chats     getChat, getChatMember, leaveChat
"""

from __future__ import annotations

from sandbox.botapi.methods.chats import ChatMethods
from sandbox.botapi.methods.edits import EditMethods
from sandbox.botapi.methods.messages import MessageMethods
from sandbox.botapi.methods.profile import ProfileMethods
from sandbox.botapi.methods.topics import TopicMethods
from sandbox.botapi.methods.updates import UpdateMethods


class BotApiMethods(UpdateMethods, ProfileMethods, MessageMethods, EditMethods, TopicMethods,
                    ChatMethods):
    """Every Bot API method the stand-in answers."""
