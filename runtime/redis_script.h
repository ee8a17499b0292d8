/*
 * runtime/redis_script.h - the Redis functions of the store (SPEC §10),
 * Lua source loaded with FUNCTION LOAD REPLACE (functions survive a
 * restart with the data and are replicated; the script cache of EVALSHA
 * is not):
 *
 *   FCALL kvaot_commit 0 MARKER TOKEN OP...   one event's writes, in order:
 *       B NAME             the bucket exists (kvaot:buckets, creation order)
 *       S PREFIX KEY VALUE set KEY; a new key takes the next place in
 *                          PREFIX..'o' (score INCR PREFIX..'n')
 *       D PREFIX KEY       delete KEY (and its place)
 *     and SET MARKER TOKEN first, so a commit whose reply was lost can be
 *     told applied or not. PREFIX is kv:{T}: (redis_keys.h). The list is
 *     checked whole before anything is written.
 *   FCALL kvaot_commit_entry 0 MARKER TOKEN S G C ID ORDERED OP...
 *     the commit of stream entry ID (SPEC §10.1): nothing is written unless
 *     ID is still pending for consumer C of group G (else 'LOST') and, when
 *     ORDERED is 1, it is the group's oldest pending entry (else 'WAIT');
 *     then the ops, where s PREFIX KEY VALUE NAME and d PREFIX KEY NAME are
 *     S and D also appended to the stream S:feed (fields op, bucket, key,
 *     value), and XACK.
 *   FCALL kvaot_dead 0 S G C ID REASON   ID to S:dead (fields id, reason)
 *     and acked, when still pending for C (else 'LOST').
 *   FCALL kvaot_dump 0 PREFIX...  per bucket prefix {keys in order, values}
 */
#ifndef KVRT_REDIS_SCRIPT_H
#define KVRT_REDIS_SCRIPT_H

extern const char kvrt_redis_script[];

#endif
