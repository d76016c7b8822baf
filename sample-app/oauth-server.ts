// The sample imports the library from the repository's source. In your own app, delete this
// file and import the same names from 'nest-oauth-server'.
export * from '../src';
