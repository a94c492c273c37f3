/** Copying all data from one store to another: {@link io.lnkv.migrate.Migration}. */
package io.lnkv.migrate;
