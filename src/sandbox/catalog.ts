/**
 * Static reference data the generator draws from: merchants with their MCC codes, account products,
 * people's names. Amount ranges are in US cents; other currencies convert from them (see CURRENCIES).
 */

/**
 * The simulator's own account kinds. Each dialect names them its way (US `CREDITCARD`/`LINEOFCREDIT`,
 * Asia-Pacific `CREDIT_CARD`/`LOANS`); these names are the Asia-Pacific ones, kept for the truth API.
 * LINE_OF_CREDIT, BROKERAGE and RETIREMENT are US-only kinds.
 */
export type Group = 'CHECKING' | 'SAVINGS' | 'CREDIT_CARD' | 'LOANS' | 'LINE_OF_CREDIT' | 'BROKERAGE' | 'RETIREMENT';

export interface Template {
  desc: string;
  /** `{ref}` is replaced by a reference number derived from the row. */
  ext?: string;
  mcc?: string;
  type: string;
  /** Money arriving for the customer: a CREDIT memo, or a negative card row (payment, refund). */
  credit: boolean;
  min: number;
  max: number;
  /** Starts life as a PENDING authorisation (card-present purchases) rather than posting at once. */
  pending: boolean;
  foreign?: { currency: string; rate: number; decimals: number };
  /** Restaurants: the posted amount adds a tip, so it differs from the pending one. */
  tip?: boolean;
  check?: boolean;
}

export const MCC_DESCRIPTIONS: Readonly<Record<string, string>> = {
  '4121': 'Taxicabs and Limousines',
  '4511': 'Airlines, Air Carriers',
  '4722': 'Travel Agencies and Tour Operators',
  '4814': 'Telecommunication Services',
  '4899': 'Cable, Satellite, and Other Pay Television and Radio Services',
  '4900': 'Utilities - Electric, Gas, Water, and Sanitary',
  '5311': 'Department Stores',
  '5411': 'Grocery Stores, Supermarkets',
  '5542': 'Fuel Dispenser, Automated',
  '5735': 'Record Stores',
  '5812': 'Eating Places and Restaurants',
  '5814': 'Fast Food Restaurants',
  '5912': 'Drug Stores and Pharmacies',
  '5942': 'Book Stores',
  '5994': 'News Dealers and Newsstands',
  '5999': 'Miscellaneous and Specialty Retail Stores',
  '7011': 'Lodging - Hotels, Motels, Resorts',
  '7997': 'Membership Clubs (Sports, Recreation, Athletic)',
};

const EUR = { currency: 'EUR', rate: 0.92, decimals: 2 };
const AUD = { currency: 'AUD', rate: 1.32, decimals: 2 };
const JPY = { currency: 'JPY', rate: 151.2, decimals: 0 };
const CHF = { currency: 'CHF', rate: 0.88, decimals: 2 };

const buy = (desc: string, mcc: string, min: number, max: number, extra: Partial<Template> = {}): Template => ({
  desc, mcc, type: 'PURCHASE', credit: false, min, max, pending: true, ...extra,
});
const memo = (desc: string, type: string, credit: boolean, min: number, max: number, extra: Partial<Template> = {}): Template => ({
  desc, type, credit, min, max, pending: false, ...extra,
});

/** Every template, addressed by index (rows store the index, not the object, to stay small). */
export const TEMPLATES: readonly Template[] = [
  // 0-23: card-present purchases, shared by cards and checking debit cards.
  buy('KROGER #0577', '5411', 800, 16000),
  buy('WHOLE FOODS MKT #10234', '5411', 1200, 21000),
  buy("TRADER JOE'S #552", '5411', 900, 12000),
  buy('WAL-MART #2649', '5411', 500, 18000),
  buy('DAN SUNG SA', '5812', 2500, 12000, { tip: true }),
  buy('CAFÉ DE FLORE', '5812', 1800, 9500, { tip: true }),
  buy('🍣 SUSHI NAKAZAWA', '5812', 6000, 32000, { tip: true }),
  buy('SHAKE SHACK #1203', '5814', 900, 3500),
  buy('STARBUCKS STORE 10923', '5814', 395, 1850),
  buy('CHIPOTLE 2291', '5814', 1050, 2900),
  buy('SHELL OIL 57444', '5542', 2500, 8500),
  buy('SAMSCLUB #6265', '5542', 2000, 9000),
  buy('CVS/PHARMACY #01234', '5912', 399, 6500),
  buy('WALGREENS #4410', '5912', 299, 5200),
  buy('AMAZON.COM*MK1AB2CD', '5999', 999, 25000),
  buy('TARGET 00012345', '5311', 1500, 19000),
  buy('BARNES & NOBLE #2011', '5942', 1299, 6000),
  buy('UBER *TRIP HELP.UBER.COM', '4121', 750, 6800),
  buy('DELTA AIR LINES', '4511', 18000, 95000),
  buy('MARRIOTT NEW YORK', '7011', 21000, 120000),
  buy('LUFTHANSA FRANKFURT', '4511', 25000, 110000, { foreign: EUR }),
  buy('HOTEL DU LOUVRE PARIS', '7011', 26000, 90000, { foreign: EUR }),
  buy('UBER AU SEP25 PGPWX HELP.UBER.COM', '5814', 500, 2500, { foreign: AUD }),
  buy('ATS AUSTRALIAN TRAVE SYDNEY', '4722', 4000, 30000, { foreign: AUD }),
  // 24-25: more foreign purchases.
  buy('PARK HYATT TOKYO', '7011', 30000, 140000, { foreign: JPY }),
  buy('MÜLLER DROGERIE ZÜRICH', '5912', 800, 7000, { foreign: CHF }),
  // 26-33: card subscriptions (recurring, fixed amount each month).
  buy('NETFLIX.COM', '4899', 1549, 1549),
  buy('SPOTIFY USA', '4899', 1099, 1099),
  buy('HULU 877-8244858', '4899', 1799, 1799),
  buy('APPLE.COM/BILL', '5735', 299, 299),
  buy('PLANET FITNESS', '7997', 2499, 2499),
  buy('NYTIMES DIGITAL', '5994', 1700, 1700),
  buy('COMCAST CABLE COMM', '4899', 8999, 8999),
  buy('CON EDISON', '4900', 6000, 21000),
  // 34-38: card non-purchase rows.
  memo('PAYMENT THANK YOU', 'PAYMENT', true, 0, 0),
  memo('AMAZON.COM REFUND', 'CREDIT', true, 999, 8000, { mcc: '5999' }),
  memo('FOREIGN TRANSACTION FEE', 'FEE', false, 100, 900),
  memo('INTEREST CHARGE ON PURCHASES', 'INTEREST', false, 200, 4000),
  memo('CASH ADVANCE ATM 0423', 'CASH_ADVANCE', false, 2000, 20000),
  // 39-50: checking and savings.
  memo('ACME CORP PAYROLL', 'DEPOSIT', true, 0, 0, { ext: 'PPD ID: 9111111101' }),
  memo('RENT - OAKWOOD PROPERTIES', 'PAYMENT', false, 0, 0, { ext: 'WEB ID: 0000{ref}' }),
  memo('CON EDISON AUTOPAY', 'PAYMENT', false, 6000, 21000, { mcc: '4900' }),
  memo('VERIZON WIRELESS', 'PAYMENT', false, 0, 0, { mcc: '4814' }),
  memo('ONLINE TRANSFER TO SAVINGS', 'TRANSFER', false, 0, 0, { ext: 'Reference# {ref}' }),
  memo('CITI CARD ONLINE PAYMENT', 'PAYMENT', false, 20000, 180000, { ext: 'Reference# {ref}' }),
  memo('ATM WITHDRAWAL 0423 MAIN ST', 'WITHDRAWAL', false, 2000, 40000),
  memo('ZELLE PAYMENT TO JOSÉ ÁLVAREZ', 'TRANSFER', false, 1000, 30000, { ext: 'Reference# {ref}' }),
  memo('ZELLE PAYMENT FROM ANNA NOWAK', 'TRANSFER', true, 1000, 30000, { ext: 'Reference# {ref}' }),
  memo('MOBILE DEPOSIT', 'DEPOSIT', true, 2000, 90000),
  memo('CHECK', 'CHECK', false, 2500, 60000, { check: true }),
  memo('AUTOMATED PHONE TRANSFER', 'PAYMENT', false, 1000, 30000, { ext: 'Reference# {ref}' }),
  // 51-56: savings and loans.
  memo('ONLINE TRANSFER FROM CHECKING', 'TRANSFER', true, 5000, 150000, { ext: 'Reference# {ref}' }),
  memo('ONLINE TRANSFER TO CHECKING', 'TRANSFER', false, 5000, 200000, { ext: 'Reference# {ref}' }),
  memo('INTEREST PAYMENT', 'INTEREST', true, 0, 0),
  memo('LOAN PAYMENT - THANK YOU', 'PAYMENT', true, 0, 0),
  memo('INTEREST CHARGED', 'INTEREST', false, 0, 0),
  memo('ADDITIONAL PRINCIPAL PAYMENT', 'PAYMENT', true, 2000, 10000),
  // 57-58: closing an account moves whatever is left.
  memo('ACCOUNT CLOSED - BALANCE TRANSFER', 'TRANSFER', false, 0, 0),
  memo('ACCOUNT CLOSED - BALANCE TRANSFER', 'TRANSFER', true, 0, 0),
];

/** Names of the templates that code refers to directly. */
export const T = {
  mobileDeposit: 48,
  netflix: 26, spotify: 27, hulu: 28, apple: 29, gym: 30, nytimes: 31, comcast: 32, conEdison: 33,
  cardPayment: 34, refund: 35, fxFee: 36, interestCharge: 37, cashAdvance: 38,
  payroll: 39, rent: 40, utilityAutopay: 41, phone: 42, toSavings: 43, cardAutopay: 44,
  fromChecking: 51, toChecking: 52, savingsInterest: 53, loanPayment: 54, loanInterest: 55, extraPrincipal: 56,
  closeOut: 57, closeIn: 58,
} as const;

/** A weighted pool is a list of template indices; repetition is the weight. */
const repeat = (idx: number[], times: number): number[] => Array.from({ length: times }, () => idx).flat();
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export const CARD_SUBSCRIPTIONS: readonly number[] = [T.netflix, T.spotify, T.hulu, T.apple, T.gym, T.nytimes, T.comcast];

export const RANDOM_POOLS: Readonly<Record<Group, readonly number[]>> = {
  CREDIT_CARD: [...repeat(range(0, 17), 6), ...range(18, 25), ...repeat([T.refund], 3), T.fxFee, T.interestCharge, T.cashAdvance],
  CHECKING: [...repeat(range(0, 17), 2), ...repeat([45, 46, 47, 48, 49, 50], 3)],
  SAVINGS: [...repeat([T.fromChecking], 3), T.toChecking, T.toChecking],
  LOANS: [T.extraPrincipal, T.loanInterest, T.loanInterest],
  // A line of credit is drawn on as well as paid down.
  LINE_OF_CREDIT: [T.cashAdvance, T.cashAdvance, T.extraPrincipal, T.loanInterest],
  // Investment accounts carry holdings, not transactions.
  BROKERAGE: [],
  RETIREMENT: [],
};

export interface Currency { code: string; decimals: number; /** minor units per US cent */ perCent: number }

export const CURRENCIES: Readonly<Record<string, Currency>> = {
  USD: { code: 'USD', decimals: 2, perCent: 1 },
  JPY: { code: 'JPY', decimals: 0, perCent: 1.5 },
  BHD: { code: 'BHD', decimals: 3, perCent: 3.76 },
  // Home currencies of the Asia-Pacific markets (rough rates: amounts only need to look plausible).
  SGD: { code: 'SGD', decimals: 2, perCent: 1.35 },
  HKD: { code: 'HKD', decimals: 2, perCent: 7.8 },
  AUD: { code: 'AUD', decimals: 2, perCent: 1.5 },
  INR: { code: 'INR', decimals: 2, perCent: 83 },
};

export const PRODUCTS: Readonly<Record<Group, ReadonlyArray<{ name: string; code: string; nickname: string }>>> = {
  CHECKING: [
    { name: 'Citi Priority Checking', code: 'CA_CA301', nickname: 'Bills' },
    { name: 'Citi Access Checking', code: 'CA_ACC01', nickname: 'Everyday' },
  ],
  SAVINGS: [
    { name: 'Citi Accelerate Savings', code: 'SA_ACC01', nickname: 'Rainy day' },
    { name: 'Citi Savings', code: 'SA_SAV01', nickname: 'Holidays' },
  ],
  CREDIT_CARD: [
    { name: 'Citi Double Cash', code: 'CC_DC01', nickname: 'Card' },
    { name: 'Citi Premier', code: 'CC_PR01', nickname: 'Travel card' },
    { name: 'Citi Custom Cash', code: 'CC_CC01', nickname: 'Groceries' },
  ],
  LOANS: [
    { name: 'Citi Personal Loan', code: 'LN_PL01', nickname: 'Kitchen' },
    { name: 'Citi Mortgage', code: 'LN_MG01', nickname: 'Home' },
  ],
  LINE_OF_CREDIT: [{ name: 'Checking Plus Line of Credit', code: 'LC_CP01', nickname: 'Checking plus' }],
  BROKERAGE: [
    { name: 'Brokerage IRA', code: 'BR_IRA01', nickname: 'Investments' },
    { name: 'Citi Self Invest', code: 'BR_SI01', nickname: 'Stocks' },
  ],
  RETIREMENT: [{ name: 'Rollover IRA', code: 'RT_RO01', nickname: 'Retirement' }],
};

export const FIRST_NAMES: readonly string[] = [
  'Jane', 'Omar', 'Zoë', 'José', 'Mei', 'Aarav', 'Chloé', 'Kwame', 'Ingrid', 'Lucas', 'Fatima', 'Noah', 'Saoirse', 'Hiro',
];
export const LAST_NAMES: readonly string[] = [
  'Doe', 'Haddad', 'Müller', 'Álvarez', 'Chen', 'Patel', 'Dubois', 'Mensah', 'Larsen', 'Silva', 'Rahman', 'Kim', 'Byrne', 'Sato',
];
