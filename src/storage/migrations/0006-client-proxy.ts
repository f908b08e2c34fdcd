/**
 * 0006: the proxy a client came through (PROXY protocol balancer or XCLIENT
 * MTA): its address and how it handed the client on. `client_ip` stays the
 * client's own address, which every search and retro-hunt uses.
 */
import type { Kysely, Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('proxy_ip', 'text').execute();
  await db.schema.alterTable('messages').addColumn('proxy_via', 'text').execute();
}

export const migration0006ClientProxy: Migration = { up };
