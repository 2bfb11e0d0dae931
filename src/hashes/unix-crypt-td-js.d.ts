/** unix-crypt-td-js ships no types: `crypt(password, salt)` → the 13-character DES crypt string. */
declare module 'unix-crypt-td-js' {
  function crypt(password: string | number[], salt: string, returnBytes?: boolean): string;
  export default crypt;
}
