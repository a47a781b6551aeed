import { didYouMean, suggest } from '../../../src/spec/suggest';

describe('suggest', () => {
  test.each([
    ['epoch', ['epochs', 'lr'], 'epochs'],
    ['perKeywrd', ['keywords', 'perKeyword'], 'perKeyword'],
    ['sede', ['name', 'seed', 'stages'], 'seed'], // a swap of two letters
    ['synth-kw', ['synth-kws', 'train'], 'synth-kws'],
    ['perkeyword', ['perKeyword'], 'perKeyword'], // case only
    ['blue', ['white', 'pink', 'brown'], undefined],
    ['b', ['a', 'data'], undefined], // one letter is one edit from every other letter
    ['loudness', ['keywords', 'perKeyword', 'noise'], undefined],
  ])('%s among %j → %s', (word, candidates, expected) => {
    expect(suggest(word, candidates)).toBe(expected);
  });
});

describe('didYouMean', () => {
  test('suggests when close, lists otherwise', () => {
    expect(didYouMean('epoch', ['epochs', 'lr'], 'allowed keys')).toBe(', did you mean "epochs"?');
    expect(didYouMean('zzz', ['epochs', 'lr'], 'allowed keys')).toBe('; allowed keys: epochs, lr');
    expect(didYouMean('zzz', [], 'known boards')).toBe('; known boards: none');
  });
});
