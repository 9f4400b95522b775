import { SERVER_URL } from './databases';

/** The variables catalog.example.yaml names, pointing at this machine's PostgreSQL, MariaDB and Redis. */
export const EXAMPLE_CATALOG_ENV = {
  ORDERS_DB_ADMIN_URL: SERVER_URL,
  BILLING_DB_ADMIN_URL: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/',
  SESSIONS_CACHE_ADMIN_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  FEATURE_FLAGS_WEBHOOK_SECRET: 'example-webhook-secret',
  KUBECONFIG: '/nonexistent/kubeconfig',
};
