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
 *     told applied or not. PREFIX is kv:{T}: (redis_keys.h).
 *   FCALL kvaot_dump 0 PREFIX...  per bucket prefix {keys in order, values}
 */
#ifndef KVRT_REDIS_SCRIPT_H
#define KVRT_REDIS_SCRIPT_H

extern const char kvrt_redis_script[];

#endif
