/**
 * What the controller inlines for an issuer whose JWKS it could not fetch (istiod does the
 * same): a well-formed key set whose private key nobody has, so every token of that issuer fails
 * verification (401) while requests without a token still pass to authorization. Never a crash,
 * never an accepted token.
 */
export const UNVERIFIABLE_JWKS = JSON.stringify({
  keys: [
    {
      kty: 'RSA',
      kid: 'plexus-unverifiable',
      alg: 'RS256',
      use: 'sig',
      n: 'zniNP_0yjDnuVH_T9yI3mwDiNgndi0-xePEOqnYp9vF_lOuv_L3VPL5ebwDqW3L_aefExVMIe779M_s30BVgvGQ5lo9mOZ8aWgCFgxeelWOVxIimWp0vny-byT_hoNjsEtfwFd9zSwQVcxNZxcPaCG3T5E8AFaUAeQbuVoCGVkhitEQiaQ1u67j4x1-AsOU8ln_5BHHSs3chK_wcaf5Acbu6e4dKMm1mqtpwJ9R5hpXyGXtxCmzlu33dm174O_y_N3hQgXdugt-5942Z3oMw0VQmYG3zyg_gilxz8DDwYbwSkhWWgGDLuCwredzoYA5iAVCYG9YF7RFQMSKTcSjHGw',
      e: 'AQAB',
    },
  ],
});
