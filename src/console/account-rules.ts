/** What a console username and password must look like (API and command line alike). */
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.js';

export const Password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `the password needs at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);
export const Username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{2,64}$/, 'use 2–64 letters, digits, dot, dash or underscore');
