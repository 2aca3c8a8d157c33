console.log('nebius-auth demo: coming with the demo issue')
