/**
 * The market the integration suites run against: `CITI_COUNTRY` (default US), so the whole suite can
 * be run once per dialect (`CITI_COUNTRY=SG npm test`). Harnesses start the simulator in it.
 */
export const TEST_COUNTRY = (process.env.CITI_COUNTRY ?? 'US').trim().toUpperCase() || 'US';
