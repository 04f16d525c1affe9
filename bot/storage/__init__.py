"""Storage of conversations, processed updates and the outbox: SQLite by default, PostgreSQL too.

    storage = Storage.from_url("sqlite:///data/crisisbot.db")
    storage.ensure_schema()
    seen = storage.peek(conversation_id, update_id=update_id)  # no lock: decide on seen.record()
    with storage.conversation(conversation_id, update_id=update_id) as tx:
        if tx is None:
            return  # this update was handled before
        if tx.stored() != seen.stored:
            ...  # written meanwhile: decide again on tx.load()
        tx.save(new_record)
        tx.enqueue(chat_id, reply)  # priority=Priority.HIGH: before other chats' messages
        # tx.queue(...) does the same without returning the ids, written with the other
        # held writes of the transaction (one round trip on PostgreSQL)
    # after commit, a sender calls storage.claim_outbox(...) and mark_sent/mark_retry/mark_dead

    # several chats' updates in one transaction (a group commit), read ahead by peek_many:
    with storage.conversations([(conversation_id, update_id), ...]) as batch:
        tx = batch.open(conversation_id, update_id=update_id)  # None: handled before

Modules: ``engine`` (URLs, SQLite pragmas), ``tables`` (the schema as Core tables),
``schema`` (Alembic from code), ``conversation`` (one conversation's transaction, or a batch),
``outbox`` (queued messages), ``driver`` (per-update statements through the driver),
``storage`` (the :class:`Storage` facade).
"""

from bot.storage.conversation import ConversationBatch, ConversationTx
from bot.storage.outbox import OutboxMessage, Priority
from bot.storage.storage import Storage

__all__ = ["ConversationBatch", "ConversationTx", "OutboxMessage", "Priority", "Storage"]
